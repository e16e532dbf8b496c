"""Telephony writes, one module per concern; the common ones are re-exported here."""

from telephony.services.agents import agent_heartbeat, agent_set_state

__all__ = ["agent_heartbeat", "agent_set_state"]

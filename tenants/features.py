"""The catalogue of features a tenant can be entitled to (TEN-4). Codes are stable API values."""

FEATURES: dict[str, str] = {
    "inbound": "Inbound calling, queues and ACD",
    "outbound": "Outbound calling and campaigns",
    "recording": "Call recording",
    "crm": "CRM, contacts and cases",
    "ivr_menu": "IVR menus",
    "ivr_transfer": "IVR transfer to numbers",
    "voicemail": "Voicemail",
    "time_of_day_routing": "Time-of-day routing",
    "supervisor_monitoring": "Supervisor monitor, whisper and barge",
    "survey": "Satisfaction survey",
    "click_to_call": "Click to call",
    "blacklist": "Black and white lists",
    "qa": "Back-office quality assurance",
    "wfm": "Workforce management",
}

FEATURE_DISABLED = "This feature is not part of your plan: {feature}. Ask your administrator to enable it."

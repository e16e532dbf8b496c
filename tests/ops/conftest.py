from tests.telephony.conftest import center  # noqa: F401 - a committed call center per test

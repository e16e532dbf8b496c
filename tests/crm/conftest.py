from tests.telephony.conftest import center  # noqa: F401 - the same committed call center per test

from tests.registry.conftest import _fast_passwords_and_private_storage  # noqa: F401 - autouse fixture

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "minsheng.accounts"
    verbose_name = "账号与角色"

    def ready(self) -> None:
        # Connects the receivers that revoke API tokens on a password change or deactivation.
        from . import signals  # noqa: F401

"""OpenAPI naming: a collection and one of its items are separate operations even when both
are plain GET views (drf-spectacular would name both `<path>_retrieve`)."""

from drf_spectacular.openapi import AutoSchema


class HostlineAutoSchema(AutoSchema):
    def get_operation_id(self) -> str:
        op = super().get_operation_id()
        if self.path.rstrip("/").endswith("}") and self.method == "GET" and op.endswith(("_list", "_retrieve")):
            return op.rsplit("_", 1)[0] + "_item"
        return op


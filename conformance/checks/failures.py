"""The failures our own checks raise: one typed class per kind, in schemathesis's mould (its
`Failure` carries the title, severity, de-duplication key and the case that reproduces it), so the
engine records them, de-duplicates them and renders their curl chains like its own."""

from __future__ import annotations

from schemathesis.core.failures import Failure, Severity


class CreatedMissingFromList(Failure):
    """A create operation answered success with a new id, but the list operation the spec names
    (`x-mlops-listed-by`) does not show an item with that id."""

    code = "MG301"
    checks = ("created_appears_in_list",)
    kind_title = "Created resource missing from its list"

    __slots__ = ("created_case_id", "created_id", "list_operation")

    def __init__(
        self,
        *,
        operation: str,
        list_operation: str,
        created_id: object,
        created_case_id: str,
        message: str,
        case_id: str | None = None,
    ) -> None:
        super().__init__(operation=operation, message=message, case_id=case_id, severity=Severity.HIGH)
        self.list_operation = list_operation
        self.created_id = created_id
        self.created_case_id = created_case_id

    @property
    def _unique_key(self) -> str:
        return self.list_operation

    def related_case_ids(self) -> tuple[str, ...]:
        return (self.created_case_id,)


class SetActiveNotReflected(Failure):
    """A set_active call answered success, but the read the spec names (`x-mlops-reflected-by`)
    shows the item without the requested state, or not at all."""

    code = "MG302"
    checks = ("set_active_reflected",)
    kind_title = "State change not reflected by the next read"

    __slots__ = ("read_operation", "set_case_id")

    def __init__(
        self,
        *,
        operation: str,
        read_operation: str,
        set_case_id: str,
        message: str,
        case_id: str | None = None,
    ) -> None:
        super().__init__(operation=operation, message=message, case_id=case_id, severity=Severity.HIGH)
        self.read_operation = read_operation
        self.set_case_id = set_case_id

    @property
    def _unique_key(self) -> str:
        return self.read_operation

    def related_case_ids(self) -> tuple[str, ...]:
        return (self.set_case_id,)


class CreatedIdRejected(Failure):
    """An id a create operation just answered was refused (404) by an operation one of its success
    links feeds it to, with nothing else in the request to blame."""

    code = "MG303"
    checks = ("created_id_accepted",)
    kind_title = "Created id not accepted by a later call"

    __slots__ = ("link",)

    def __init__(self, *, operation: str, link: str, message: str, case_id: str | None = None) -> None:
        super().__init__(operation=operation, message=message, case_id=case_id, severity=Severity.HIGH)
        self.link = link

    @property
    def _unique_key(self) -> str:
        return self.link


class GraphQLDataMismatch(Failure):
    """A GraphQL answer's `data` breaks the SDL types of the query that was sent (a wrong JSON
    type, null in a non-null field, a selected field missing, a value outside its enum)."""

    code = "MG304"
    checks = ("graphql_data_conformance",)
    kind_title = "GraphQL data does not fit the schema"

    __slots__ = ("pointers",)

    def __init__(self, *, operation: str, pointers: str, message: str, case_id: str | None = None) -> None:
        super().__init__(operation=operation, message=message, case_id=case_id, severity=Severity.HIGH)
        self.pointers = pointers

    @property
    def _unique_key(self) -> str:
        return self.pointers

"""What a page calls each policy action (``policies/schema.cedarschema``) inside a denial.

``PermissionDenied`` says "not allowed to {action}: {reason}" with the action's internal
name (``allocation.release``), which the CLI, GraphQL and logs keep; a page says the label
instead (``labels.value_labels``): in English a verb phrase that follows "not allowed to"
("not allowed to release an allocation"), in Korean a noun phrase that precedes "권한이
없습니다" ("배정 해제 권한이 없습니다"). Every action of the schema (not its groups ``read``,
``write``, ``shipment``, which no check names), and the ones the sync service checks by
itself, has one (a test reads the schema)."""

from __future__ import annotations

from exchange.messages import N_

ACTIONS: dict[str, str] = {
    "partner.list": N_("list partners"),
    "partner.read": N_("see this partner"),
    "partner.members.read": N_("see this partner's members"),
    "partner.summary.read": N_("see this partner's summary"),
    "partner.create": N_("register a partner"),
    "partner.update": N_("edit this partner"),
    "partner.govern": N_("set this partner's tags and visibility"),
    "partner.suspend": N_("suspend this partner"),
    "partner.reactivate": N_("reactivate this partner"),
    "account.create": N_("create an account"),
    "account.list": N_("list accounts"),
    "account.read": N_("see this account"),
    "account.disable": N_("disable this account"),
    "account.enable": N_("enable this account"),
    "token.issue": N_("issue a token"),
    "token.revoke": N_("revoke a token"),
    "membership.create": N_("add a membership"),
    "membership.delete": N_("remove a membership"),
    "key.list": N_("list signing keys"),
    "key.overview": N_("see the signing keys"),
    "key.register": N_("register a signing key"),
    "key.revoke": N_("revoke a signing key"),
    "key.sign": N_("sign with this key"),
    "work.create": N_("catalogue a work"),
    "work.update": N_("edit this work"),
    "work.search": N_("search the catalogue"),
    "seminar.create": N_("record a seminar"),
    "seminar.update": N_("edit this seminar"),
    "seminar.search": N_("search seminars"),
    "offer.create": N_("post an offer"),
    "offer.list": N_("list offers"),
    "offer.read": N_("see this offer"),
    "offer.update": N_("change this offer"),
    "request.create": N_("post a request"),
    "request.list": N_("list requests"),
    "request.read": N_("see this request"),
    "request.note.read": N_("read this request's note"),
    "request.update": N_("change this request"),
    "suggestion.read": N_("see suggestions"),
    "allocation.create": N_("allocate"),
    "allocation.list": N_("list allocations"),
    "allocation.read": N_("see this allocation"),
    "allocation.release": N_("release this allocation"),
    "shipment.create": N_("create a shipment"),
    "shipment.list": N_("list shipments"),
    "shipment.read": N_("see this shipment"),
    "shipment.track": N_("track this shipment"),
    "shipment.pack": N_("pack this shipment"),
    "shipment.approve": N_("approve this shipment"),
    "shipment.dispatch": N_("dispatch this shipment"),
    "shipment.receive": N_("confirm receipt of this shipment"),
    "shipment.cancel": N_("cancel this shipment"),
    "shipment.lose": N_("mark this shipment lost"),
    "object.upload": N_("upload a file"),
    "object.read": N_("see this file"),
    "object.download": N_("download this file"),
    "object.maintain": N_("maintain stored files"),
    "audit.read": N_("read the audit trail"),
    "report.usage": N_("see usage reports"),
    "peer.manage": N_("manage sync peers"),
    "sync.export": N_("export for sync"),
    "sync.import": N_("import a sync bundle"),
    "sync.status": N_("see the sync status"),
}

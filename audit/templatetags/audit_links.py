"""`{% audit_link original as url %}`: the address of the audit trail of an object and what belongs to it, for
those who may read the trail (empty otherwise, and for objects the trail knows nothing about)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def audit_link(context, obj) -> str:
    from audit.admin import has_audit_trail, object_link

    request = context.get("request")
    user = getattr(request, "user", None)
    if obj is None or getattr(obj, "pk", None) is None or user is None:
        return ""
    if obj._meta.label_lower == "audit.auditentry" or not user.has_perm("audit.view_auditentry"):
        return ""
    return object_link(obj) if has_audit_trail(type(obj)) else ""

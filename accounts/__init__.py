"""Accounts and access: which Verwaltungen a user may act for, and the user's hashed API tokens.

Public interface (other apps code against these names):

- `accounts.authentication.ApiTokenAuthentication`: DRF authentication with `Authorization: Token <key>`
  (or `Bearer <key>`); `request.auth` is the `ApiToken`.
- `accounts.authorization.verwaltung_scope(...)`: the scope of a `common.authorization.Rule` for writes of one
  Verwaltung's data ("may this user act for the object's Verwaltung?"); the API's policy
  (`itvsh_portal.permissions.PortalPolicy`) and the services ask it.
- `accounts.selectors.writable_verwaltung_ids(user)` (None: all), `verwaltung_ids_for(user)`,
  `user_may_act_for(user, organisation)`.
- `accounts.services.api_token_create(...)`, `api_token_revoke(...)`, `membership_grant(...)`,
  `membership_revoke(...)`, `second_factor_reset(...)`, `user_save(...)`, each with the acting user `by`.
- `accounts.admin_scoping.VerwaltungScopedAdminMixin`: admin of a model with a Verwaltung, limited to the
  Kommune user's own Verwaltungen.
- `accounts.admin_site.PortalAdminSite`: the default admin site (the admin opens after the second factor);
  login flow in accounts/README.md.
"""

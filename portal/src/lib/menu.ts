// The menu a user sees is computed from GET /me: a screen is listed when the caller's account kind
// may open it and (for business screens) its menu permission is among /me's permissions.
// A screen that names a permission takes that permission's Chinese label from the dictionary.

export interface Screen {
  path: string
  title?: string
  permission?: string
  accountKinds?: string[]
  actorKinds?: string[]
}

export interface MenuItem {
  path: string
  title: string
}

export interface MeLike {
  account_kind: string
  org_kind?: string | null
  permissions?: string[]
}

export function allowed(screen: Screen, me: MeLike): boolean {
  if (screen.accountKinds && !screen.accountKinds.includes(me.account_kind)) return false
  if (screen.actorKinds && !(me.org_kind && screen.actorKinds.includes(me.org_kind))) return false
  if (screen.permission && !(me.permissions ?? []).includes(screen.permission)) return false
  return true
}

export function menuFor(screens: Screen[], me: MeLike, permissionLabel: (code: string) => string): MenuItem[] {
  return screens
    .filter((s) => allowed(s, me))
    .map((s) => ({ path: s.path, title: s.title ?? (s.permission ? permissionLabel(s.permission) : s.path) }))
}

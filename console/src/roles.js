// Which views a signed-in user gets, from the realm roles in the access token. This only decides what the console
// shows; what the user may read is decided by the gateway on every request (no console-only back doors).

export const ROLES = ['customer-admin', 'customer-analyst', 'compliance-officer'];

export function rolesOf(claims) {
  const realm = (claims && claims.realm_access && claims.realm_access.roles) || [];
  return realm.filter((r) => ROLES.includes(r));
}

/**
 * The views for a user: map and tenant for every role of the console; audit only for compliance officers. The
 * tenant view is fixed to the user's tenant for customers and lets a compliance officer pick one.
 */
export function viewsFor(claims) {
  const roles = rolesOf(claims);
  if (roles.length === 0) {
    return { views: [], tenant: null, pickTenant: false, roles };
  }
  const officer = roles.includes('compliance-officer');
  const customer = roles.includes('customer-admin') || roles.includes('customer-analyst');
  const views = ['map', 'tenant'];
  if (officer) {
    views.push('audit');
  }
  return {
    views,
    roles,
    tenant: customer && claims.tenant ? claims.tenant : null,
    pickTenant: officer && !customer,
  };
}

export function displayName(claims) {
  return (claims && (claims.preferred_username || claims.name || claims.sub)) || 'unknown user';
}

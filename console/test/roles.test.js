import { describe, expect, it } from 'vitest';
import { displayName, rolesOf, viewsFor } from '../src/roles.js';

const claims = (roles, extra = {}) => ({ realm_access: { roles: [...roles, 'offline_access', 'default-roles-meridian'] }, ...extra });

describe('views per role', () => {
  it('gives an analyst the map and their own tenant, no audit', () => {
    expect(viewsFor(claims(['customer-analyst'], { tenant: 'lampco' })))
      .toEqual({ views: ['map', 'tenant'], roles: ['customer-analyst'], tenant: 'lampco', pickTenant: false });
  });

  it('gives an admin the same views', () => {
    expect(viewsFor(claims(['customer-admin'], { tenant: 'carehome' })).views).toEqual(['map', 'tenant']);
  });

  it('gives a compliance officer the audit and a tenant picker', () => {
    expect(viewsFor(claims(['compliance-officer'])))
      .toEqual({ views: ['map', 'tenant', 'audit'], roles: ['compliance-officer'], tenant: null, pickTenant: true });
  });

  it('gives an account without a console role nothing', () => {
    expect(viewsFor(claims([])).views).toEqual([]);
    expect(viewsFor({}).views).toEqual([]);
    expect(rolesOf(null)).toEqual([]);
  });

  it('names the user', () => {
    expect(displayName({ preferred_username: 'auditor', sub: 'x' })).toBe('auditor');
    expect(displayName({ sub: 'x' })).toBe('x');
  });
});

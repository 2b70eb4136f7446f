import { describe, expect, it } from 'vitest';
import { authorizeUrl, base64Url, challengeS256, codeTokenBody, jwtClaims, parseCallback, randomString } from '../src/pkce.js';

describe('PKCE S256', () => {
  it('computes the challenge of RFC 7636 appendix B', async () => {
    expect(await challengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('refuses verifiers outside 43..128 characters', async () => {
    await expect(challengeS256('short')).rejects.toThrow(/43 to 128/);
    await expect(challengeS256('a'.repeat(129))).rejects.toThrow(/43 to 128/);
  });

  it('makes verifiers of unreserved characters only, different each time', () => {
    const a = randomString(64);
    const b = randomString(64);
    expect(a).toMatch(/^[A-Za-z0-9\-._~]{64}$/);
    expect(a).not.toBe(b);
  });

  it('encodes base64url without padding', () => {
    expect(base64Url(new Uint8Array([251, 255]))).toBe('-_8');
  });

  it('asks for a code with the S256 challenge', () => {
    const u = new URL(authorizeUrl('http://127.0.0.1:18080/realms/meridian/protocol/openid-connect/auth', {
      clientId: 'meridian-console', redirectUri: 'http://127.0.0.1:9000/console/', state: 's', nonce: 'n', challenge: 'c',
    }));
    expect(Object.fromEntries(u.searchParams)).toEqual({
      response_type: 'code', client_id: 'meridian-console', redirect_uri: 'http://127.0.0.1:9000/console/', scope: 'openid',
      state: 's', nonce: 'n', code_challenge: 'c', code_challenge_method: 'S256',
    });
  });

  it('reads the callback and refuses a foreign state', () => {
    expect(parseCallback('', 'x')).toBeNull();
    expect(parseCallback('?code=abc&state=x&session_state=1', 'x')).toEqual({ code: 'abc', state: 'x' });
    expect(parseCallback('?code=abc&state=y', 'x').error).toBe('invalid_state');
    expect(parseCallback('?code=abc&state=y', null).error).toBe('invalid_state');
    expect(parseCallback('?error=access_denied&error_description=no', 'x')).toEqual({ error: 'access_denied', description: 'no' });
  });

  it('redeems the code with the verifier', () => {
    const b = codeTokenBody({ code: 'c', verifier: 'v', clientId: 'meridian-console', redirectUri: 'r' });
    expect(b.toString()).toBe('grant_type=authorization_code&code=c&code_verifier=v&client_id=meridian-console&redirect_uri=r');
  });

  it('reads JWT claims, UTF-8 included', () => {
    const payload = base64Url(new TextEncoder().encode(JSON.stringify({ preferred_username: 'lamp-analyst', name: 'Zoë' })));
    expect(jwtClaims(`h.${payload}.s`)).toEqual({ preferred_username: 'lamp-analyst', name: 'Zoë' });
    expect(() => jwtClaims('nonsense')).toThrow(/not a JWT/);
  });
});

// OIDC authorization code with PKCE (RFC 7636, method S256), written on WebCrypto: the console is a public client,
// so the code verifier is what proves that the browser that asked for the code is the one that redeems it.

const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';

/** base64url without padding (RFC 4648 section 5), as PKCE and JWTs use it. */
export function base64Url(bytes) {
  let bin = '';
  for (const b of bytes) {
    bin += String.fromCharCode(b);
  }
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A random string of the unreserved characters; 64 characters is within PKCE's 43..128 for verifiers. */
export function randomString(length = 64, crypto = globalThis.crypto) {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let s = '';
  for (const b of bytes) {
    // 66 characters: the modulo bias is below what matters for a one-time secret of 64 characters (~380 bits)
    s += UNRESERVED[b % UNRESERVED.length];
  }
  return s;
}

/** The S256 challenge of a verifier: base64url(SHA-256(ASCII(verifier))). */
export async function challengeS256(verifier, crypto = globalThis.crypto) {
  if (typeof verifier !== 'string' || verifier.length < 43 || verifier.length > 128) {
    throw new Error('a PKCE code verifier has 43 to 128 characters');
  }
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

/** The authorization request's URL. */
export function authorizeUrl(endpoint, { clientId, redirectUri, state, nonce, challenge, scope = 'openid' }) {
  const u = new URL(endpoint);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', clientId);
  u.searchParams.set('redirect_uri', redirectUri);
  u.searchParams.set('scope', scope);
  u.searchParams.set('state', state);
  u.searchParams.set('nonce', nonce);
  u.searchParams.set('code_challenge', challenge);
  u.searchParams.set('code_challenge_method', 'S256');
  return u.toString();
}

/**
 * What the issuer sent back to the redirect URI: {code, state}, {error, description}, or null when the page was not
 * opened as a callback. A state other than the one this browser stored is refused: that is a forged callback.
 */
export function parseCallback(search, expectedState) {
  const p = new URLSearchParams(search);
  if (p.has('error')) {
    return { error: p.get('error'), description: p.get('error_description') || '' };
  }
  if (!p.has('code')) {
    return null;
  }
  if (!expectedState || p.get('state') !== expectedState) {
    return { error: 'invalid_state', description: 'the sign-in answer does not belong to this browser tab' };
  }
  return { code: p.get('code'), state: p.get('state') };
}

/** The form body of the token request that redeems a code. */
export function codeTokenBody({ code, verifier, clientId, redirectUri }) {
  return new URLSearchParams({
    grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId, redirect_uri: redirectUri,
  });
}

/** The claims of a JWT, read without checking its signature: the gateway checks it; the console only shows them. */
export function jwtClaims(token) {
  const part = String(token).split('.')[1];
  if (!part) {
    throw new Error('not a JWT');
  }
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

// Sign-in against the realm from /console/config.json: authorization code with PKCE S256. The tokens live in this
// tab's sessionStorage only (gone with the tab), are refreshed before they expire, and a failed refresh signs in again.
import { authorizeUrl, challengeS256, codeTokenBody, jwtClaims, parseCallback, randomString } from './pkce.js';

const KEY = 'meridian-console.tokens';
const PENDING = 'meridian-console.pending';

export class Auth {
  constructor(config, { location = window.location, storage = window.sessionStorage, fetchFn = window.fetch.bind(window) } = {}) {
    this.config = config;
    this.location = location;
    this.storage = storage;
    this.fetch = fetchFn;
    this.redirectUri = location.origin + '/console/';
    this.listeners = [];
    this.timer = null;
  }

  async endpoints() {
    if (!this.discovered) {
      const issuer = this.config.issuer.replace(/\/$/, '');
      try {
        const r = await this.fetch(issuer + '/.well-known/openid-configuration');
        if (!r.ok) {
          throw new Error('discovery answered ' + r.status);
        }
        const d = await r.json();
        this.discovered = { authorize: d.authorization_endpoint, token: d.token_endpoint, logout: d.end_session_endpoint };
      } catch {
        // Keycloak's own paths, should the discovery document not be readable from this origin
        this.discovered = {
          authorize: issuer + '/protocol/openid-connect/auth',
          token: issuer + '/protocol/openid-connect/token',
          logout: issuer + '/protocol/openid-connect/logout',
        };
      }
    }
    return this.discovered;
  }

  /** Sends the browser to the issuer's login page. */
  async login() {
    const verifier = randomString(64);
    const state = randomString(32);
    const nonce = randomString(32);
    this.storage.setItem(PENDING, JSON.stringify({ verifier, state }));
    const { authorize } = await this.endpoints();
    const url = authorizeUrl(authorize, {
      clientId: this.config.clientId, redirectUri: this.redirectUri, state, nonce, challenge: await challengeS256(verifier),
    });
    this.location.assign(url);
  }

  /**
   * Completes a sign-in when the page is the issuer's callback, or takes the tokens this tab already has.
   * Returns true when signed in; throws with the issuer's error when the sign-in failed.
   */
  async start() {
    const pending = JSON.parse(this.storage.getItem(PENDING) || 'null');
    const cb = parseCallback(this.location.search, pending && pending.state);
    if (cb) {
      this.storage.removeItem(PENDING);
      // the code is single-use and must not stay in the address bar or the history
      window.history.replaceState(null, '', this.redirectUri);
      if (cb.error) {
        throw new Error(`sign-in failed: ${cb.error} ${cb.description}`.trim());
      }
      const { token } = await this.endpoints();
      await this.tokenRequest(token, codeTokenBody({
        code: cb.code, verifier: pending.verifier, clientId: this.config.clientId, redirectUri: this.redirectUri,
      }));
      return true;
    }
    const saved = JSON.parse(this.storage.getItem(KEY) || 'null');
    if (saved && saved.expiresAt > Date.now() + 5000) {
      this.tokens = saved;
      this.schedule();
      return true;
    }
    if (saved && saved.refreshToken) {
      return this.refresh().then(() => true, () => false);
    }
    return false;
  }

  async tokenRequest(endpoint, body) {
    const r = await this.fetch(endpoint, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body,
    });
    const j = await r.json().catch(() => ({}));
    if (!r.ok) {
      throw new Error(`the token endpoint answered ${r.status}: ${j.error || ''} ${j.error_description || ''}`.trim());
    }
    this.tokens = {
      accessToken: j.access_token,
      refreshToken: j.refresh_token || null,
      idToken: j.id_token || null,
      expiresAt: Date.now() + (j.expires_in || 60) * 1000,
    };
    this.storage.setItem(KEY, JSON.stringify(this.tokens));
    this.schedule();
    this.listeners.forEach((l) => l(this.tokens));
  }

  /** Refreshes 30 s before expiry; a refused refresh (session ended) sends the user to the login page again. */
  schedule() {
    clearTimeout(this.timer);
    const wait = Math.max(1000, this.tokens.expiresAt - Date.now() - 30000);
    this.timer = setTimeout(() => this.refresh().catch(() => this.login()), wait);
  }

  async refresh() {
    if (!this.tokens || !this.tokens.refreshToken) {
      const saved = JSON.parse(this.storage.getItem(KEY) || 'null');
      if (!saved || !saved.refreshToken) {
        throw new Error('no refresh token');
      }
      this.tokens = saved;
    }
    const { token } = await this.endpoints();
    await this.tokenRequest(token, new URLSearchParams({
      grant_type: 'refresh_token', refresh_token: this.tokens.refreshToken, client_id: this.config.clientId,
    }));
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken() {
    if (!this.tokens) {
      throw new Error('not signed in');
    }
    if (this.tokens.expiresAt < Date.now() + 5000) {
      await this.refresh();
    }
    return this.tokens.accessToken;
  }

  claims() {
    return jwtClaims(this.tokens.accessToken);
  }

  onTokens(listener) {
    this.listeners.push(listener);
  }

  async logout() {
    const idToken = this.tokens && this.tokens.idToken;
    this.storage.removeItem(KEY);
    this.tokens = null;
    clearTimeout(this.timer);
    const { logout } = await this.endpoints();
    const u = new URL(logout);
    u.searchParams.set('client_id', this.config.clientId);
    u.searchParams.set('post_logout_redirect_uri', this.redirectUri);
    if (idToken) {
      u.searchParams.set('id_token_hint', idToken);
    }
    this.location.assign(u.toString());
  }
}

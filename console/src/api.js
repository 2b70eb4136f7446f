// The gateway's customer API, with the signed-in user's token: the console reads nothing any other client could not.
import { readEventStream } from './sse.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export class Api {
  constructor(auth, base = '') {
    this.auth = auth;
    this.base = base;
  }

  async request(path, { method = 'GET', body, accept = 'application/json', signal } = {}) {
    const headers = { Authorization: 'Bearer ' + (await this.auth.accessToken()), Accept: accept };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const r = await fetch(this.base + path, { method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!r.ok) {
      let problem = null;
      try {
        problem = await r.json();
      } catch {
        problem = null;
      }
      throw new ApiError(r.status, problem);
    }
    return r;
  }

  async json(path, opts) {
    return (await this.request(path, opts)).json();
  }

  regions() {
    return this.json('/v1/regions');
  }

  transfers(from, to) {
    return this.json(`/v1/transfers?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  }

  transferDetail(src, dst, from, to) {
    return this.json(`/v1/transfers/${encodeURIComponent(src)}/${encodeURIComponent(dst)}?from=${encodeURIComponent(from)}`
      + `&to=${encodeURIComponent(to)}&limit=50`);
  }

  tenantOverview(tenant) {
    return this.json(`/v1/tenants/${encodeURIComponent(tenant)}/overview`);
  }

  auditRuns() {
    return this.json('/v1/audit/runs?limit=20');
  }

  startAudit() {
    return this.json('/v1/audit/runs', { method: 'POST', body: {} });
  }

  async auditReportBlobUrl(runId) {
    const r = await this.request(`/v1/audit/runs/${encodeURIComponent(runId)}/report.html`, { accept: 'text/html' });
    return URL.createObjectURL(new Blob([await r.text()], { type: 'text/html' }));
  }

  /**
   * The live events, kept open: reconnects with a fresh token when the gateway ends the stream (token-expired) or the
   * connection drops, after a growing pause on errors. Returns a function that stops it.
   */
  events(onEvent, onState = () => {}) {
    const control = new AbortController();
    let pause = 1000;
    const loop = async () => {
      while (!control.signal.aborted) {
        try {
          const r = await this.request('/v1/events', { accept: 'text/event-stream', signal: control.signal });
          onState('live');
          pause = 1000;
          await readEventStream(r, onEvent, control.signal);
          onState('reconnecting');
        } catch (e) {
          if (control.signal.aborted) {
            break;
          }
          onState('error', e);
          await new Promise((res) => setTimeout(res, pause));
          pause = Math.min(pause * 2, 15000);
        }
      }
    };
    loop();
    return () => control.abort();
  }
}

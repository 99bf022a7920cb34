// Helpers for the Audit log's progress bars: an RFC 4180 reader for the
// exported file, a page script that lets the export's body arrive slowly
// (so the bar is seen part-way), and a route that makes "Verify integrity"
// walk the chain in small parts.
import type { Page, Route } from '@playwright/test';

/** Every record of an RFC 4180 file (CRLF or LF line ends, quoted fields with commas, quotes and line breaks). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (quoted) throw new Error('an unterminated quoted field');
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

declare global {
  interface Window {
    /** Milliseconds between the export's slices of 1 KB, while set. */
    __e2eSlowExport?: number;
  }
}

/**
 * From the next navigation on, `/audit/export` bodies fetched by the page
 * arrive in slices of 1 KB, `window.__e2eSlowExport` ms apart, while that is
 * set. Only the timing changes: every byte is passed on, in order.
 */
export async function slowExportBodies(page: Page) {
  await page.addInitScript(() => {
    const realFetch = window.fetch.bind(window);
    window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await realFetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const delay = window.__e2eSlowExport;
      if (!delay || !url.includes('/audit/export') || !res.body) return res;
      const reader = res.body.getReader();
      const pending: Uint8Array[] = [];
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (pending.length === 0) {
            const { done, value } = await reader.read();
            if (done) {
              controller.close();
              return;
            }
            for (let at = 0; at < value.length; at += 1024) pending.push(value.subarray(at, at + 1024));
          }
          await new Promise((r) => setTimeout(r, delay));
          controller.enqueue(pending.shift()!);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      });
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    };
  });
}

/**
 * "Verify integrity" in parts of about a sixth of the chain (the server's
 * own parts are 50,000 events, more than this test log holds), each answer
 * held back `delayMs`; `edit` may change a request's form before it goes.
 * Returns how many parts were asked for.
 */
export async function smallVerifyParts(
  page: Page,
  delayMs: number,
  edit: (form: URLSearchParams, part: number) => void = () => {},
): Promise<{ parts: () => number }> {
  let parts = 0;
  let limit = 5;
  await page.route('**/api/audit_verify_step', async (route: Route) => {
    parts += 1;
    const form = new URLSearchParams(route.request().postData() ?? '');
    form.set('limit', String(limit));
    edit(form, parts);
    const response = await route.fetch({ postData: form.toString() });
    const body = await response.text();
    try {
      const step = JSON.parse(body) as { total?: number };
      if (step.total) limit = Math.max(5, Math.ceil(step.total / 6));
    } catch {
      // An error's body: passed on as it is.
    }
    await new Promise((r) => setTimeout(r, delayMs));
    await route.fulfill({ response, body });
  });
  return { parts: () => parts };
}

/** A position token with one claim changed and the signature kept: a forgery. */
export function forgedPosition(token: string, change: (claims: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(claims);
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

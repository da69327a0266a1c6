/**
 * A browser's cookies for tests that follow Delegate's start URLs: the start sets a binding
 * cookie, Scalekit's pages come next, and the verify redirect must carry that cookie back, as a
 * browser does. `fetch` alone keeps no cookies, so redirects are followed here by hand.
 */

/** A REPL start URL on its loopback listener (`/<secret>/start/<id>`). */
export const START_URL = /http:\/\/127\.0\.0\.1:\d+\/[\w-]{32}\/start\/[\w-]{22}/;

export class CookieJar {
  /** host → cookie name → { value, path } (enough for tests: no domains, no expiry besides Max-Age=0). */
  readonly #cookies = new Map<string, Map<string, { value: string; path: string }>>();

  /** The Cookie header a browser would send to `url`. */
  header(url: string | URL): string {
    const target = new URL(url);
    const cookies = this.#cookies.get(target.hostname);
    if (!cookies) return "";
    return [...cookies]
      .filter(([, cookie]) => target.pathname.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join("; ");
  }

  /** Every cookie of `host`, by name (for assertions on the attributes kept elsewhere). */
  names(host = "127.0.0.1"): string[] {
    return [...(this.#cookies.get(host)?.keys() ?? [])];
  }

  store(url: string | URL, response: Response): void {
    const host = new URL(url).hostname;
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
      const [name = "", value = ""] = pair.split("=", 2);
      const path = attributes.find((a) => a.toLowerCase().startsWith("path="))?.slice(5) ?? "/";
      const cookies = this.#cookies.get(host) ?? new Map();
      if (attributes.some((a) => a.toLowerCase() === "max-age=0")) cookies.delete(name);
      else cookies.set(name, { value, path });
      this.#cookies.set(host, cookies);
    }
  }

  /** Copies the cookies to another jar (a second tab of the same browser is the same jar). */
  copyTo(other: CookieJar): void {
    for (const [host, cookies] of this.#cookies)
      for (const [name, cookie] of cookies) {
        const target = other.#cookies.get(host) ?? new Map();
        target.set(name, { ...cookie });
        other.#cookies.set(host, target);
      }
  }
}

/**
 * `fetch` as a browser with `jar`: sends and stores cookies, follows redirects by hand (a 302 or
 * 303 becomes a GET). Resolves to the last response and its URL.
 */
export async function browse(
  jar: CookieJar,
  url: string | URL,
  init: RequestInit = {},
): Promise<{ response: Response; url: URL }> {
  let target = new URL(url);
  let request: RequestInit = init;
  for (let hop = 0; hop < 10; hop++) {
    const cookie = jar.header(target);
    const headers = new Headers(request.headers);
    if (cookie) headers.set("cookie", cookie);
    const response = await fetch(target, { ...request, headers, redirect: "manual" });
    jar.store(target, response);
    const location = response.headers.get("location");
    if (![301, 302, 303, 307, 308].includes(response.status) || !location) return { response, url: target };
    await response.body?.cancel();
    target = new URL(location, target);
    if (response.status !== 307 && response.status !== 308) request = {};
  }
  throw new Error(`too many redirects from ${String(url)}`);
}

/**
 * Opens `link` (a start URL or a magic link) in the browser `jar`, answers the consent page with
 * `decision` as its form does, and follows where that leads (the verify URL, with the jar's cookies).
 */
export async function consentInBrowser(
  jar: CookieJar,
  link: string,
  decision: "allow" | "deny" = "allow",
): Promise<{ response: Response; url: URL; consentUrl: URL }> {
  const opened = await browse(jar, link);
  await opened.response.body?.cancel();
  const consentUrl = opened.url;
  const answered = await browse(jar, consentUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ decision }).toString(),
  });
  return { ...answered, consentUrl };
}

/**
 * The start URL's redirect (without following it): the magic link and the binding cookie it set.
 */
export async function openStart(
  jar: CookieJar,
  start: string,
): Promise<{ status: number; magicLink: string }> {
  const response = await fetch(start, { redirect: "manual", headers: { cookie: jar.header(start) } });
  jar.store(start, response);
  await response.body?.cancel();
  return { status: response.status, magicLink: response.headers.get("location") ?? "" };
}

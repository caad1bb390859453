// A small router over node:http: exact paths and path prefixes, by method.
// Tracking routes plug in here and never pass through Apollo.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, path: string) => void | Promise<void>;

interface PrefixRoute {
  prefix: string;
  methods: ReadonlySet<string>;
  handler: RouteHandler;
}

export class Router {
  private readonly exact = new Map<string, Map<string, RouteHandler>>();
  private readonly prefixes: PrefixRoute[] = [];

  /** Registers a handler for an exact path. */
  on(methods: readonly string[], path: string, handler: RouteHandler): this {
    const byMethod = this.exact.get(path) ?? new Map<string, RouteHandler>();
    for (const method of methods) byMethod.set(method, handler);
    this.exact.set(path, byMethod);
    return this;
  }

  /** Registers a handler for every path under a prefix (e.g. "/track/open/"). */
  under(methods: readonly string[], prefix: string, handler: RouteHandler): this {
    this.prefixes.push({ prefix, methods: new Set(methods), handler });
    return this;
  }

  /**
   * The handler for a request, `null` when no route has the path, or
   * `'method-not-allowed'` when the path exists under other methods.
   */
  match(method: string, path: string): RouteHandler | 'method-not-allowed' | null {
    const byMethod = this.exact.get(path);
    if (byMethod) return byMethod.get(method) ?? 'method-not-allowed';
    for (const route of this.prefixes) {
      if (path.startsWith(route.prefix)) return route.methods.has(method) ? route.handler : 'method-not-allowed';
    }
    return null;
  }
}

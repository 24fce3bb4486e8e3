import {
  createConfiguration,
  HttpMethod,
  type KubeConfig,
  ServerConfiguration,
} from "@kubernetes/client-node";
import { LockgateError } from "@lockgate/core";

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface ApiRequest {
  readonly method: "GET" | "PATCH";
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly contentType?: string;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

/**
 * Plain requests through @kubernetes/client-node's own HTTP stack (its auth, TLS and proxy
 * settings from the KubeConfig), for any path: the typed clients cannot send a JSON Patch to an
 * arbitrary group/version/resource, and Go lockgate's dynamic client can.
 */
export class KubernetesApi {
  readonly kubeConfig: KubeConfig;
  readonly #configuration: ReturnType<typeof createConfiguration>;
  readonly #timeout: number;

  constructor(kubeConfig: KubeConfig, timeout: number) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) {
      throw new LockgateError(
        "invalid-argument",
        "The KubeConfig has no current cluster; set a current context",
      );
    }
    this.kubeConfig = kubeConfig;
    this.#timeout = timeout;
    this.#configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeConfig },
    });
  }

  /** Sends one request; any HTTP status is returned, only transport failures throw. */
  async request(request: ApiRequest): Promise<ApiResponse> {
    const context = this.#configuration.baseServer.makeRequestContext(
      request.path,
      HttpMethod[request.method],
    );
    context.setHeaderParam("Accept", "application/json");
    for (const [name, value] of Object.entries(request.query ?? {}))
      context.setQueryParam(name, value);
    if (request.body !== undefined) {
      context.setHeaderParam("Content-Type", request.contentType ?? "application/json");
      context.setBody(JSON.stringify(request.body));
    }
    const deadline = AbortSignal.timeout(this.#timeout);
    context.setSignal(request.signal ? AbortSignal.any([request.signal, deadline]) : deadline);
    try {
      await this.kubeConfig.applySecurityAuthentication(context);
      const response = await this.#configuration.httpApi.send(context).toPromise();
      const text = await response.body.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON (a proxy's error page): keep the text for the error message.
      }
      return { status: response.httpStatusCode, body };
    } catch (cause) {
      if (request.signal?.aborted) throw request.signal.reason;
      const timedOut = deadline.aborted;
      throw new LockgateError(
        "store-unavailable",
        timedOut
          ? `The Kubernetes API server did not answer ${request.method} ${request.path} within ${this.#timeout} ms`
          : `Could not reach the Kubernetes API server (${request.method} ${request.path}): ${String((cause as Error)?.message ?? cause)}`,
        { cause },
      );
    }
  }
}

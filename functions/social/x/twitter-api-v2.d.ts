// The part of twitter-api-v2 the Worker uses, typed here instead of by the package's own
// declarations: those reference Node's types (`/// <reference types="node" />`), which would
// enter the Worker's program and retype its globals (setTimeout's return value, `process`,
// `Buffer`) for every capability. tsconfig.worker.json maps the module name to this file; the
// bundler and the tests load the real package. Keep in step with twitter-api-v2 1.29.
export interface TwitterRateLimit {
  limit: number;
  remaining: number;
  reset: number;
}

export interface TwitterResponse<T> {
  headers: Record<string, string | string[] | undefined>;
  data: T;
  rateLimit?: TwitterRateLimit;
}

export interface ITwitterApiClientPlugin {
  onBeforeRequestConfig?(args: { url: URL; params: { url: string; method: string } }): void | Promise<void>;
}

export interface ClientSettings {
  plugins?: ITwitterApiClientPlugin[];
  httpAgent?: unknown;
  compression?: boolean | "brotli" | "gzip" | "deflate" | "identity";
}

export interface RequestArgs {
  timeout?: number;
  /** The body's encoding; v2 is JSON (the library guesses from the path, which a base with a path prefix hides). */
  forceBodyMode?: "json" | "url" | "form-data" | "raw";
  headers?: Record<string, string>;
}

export interface TwitterApiV2 {
  get<T = unknown>(url: string, query: Record<string, string | number> | undefined, args: RequestArgs & { fullResponse: true }): Promise<TwitterResponse<T>>;
  get<T = unknown>(url: string, query?: Record<string, string | number>, args?: RequestArgs): Promise<T>;
  post<T = unknown>(url: string, body: unknown, args: RequestArgs & { fullResponse: true }): Promise<TwitterResponse<T>>;
  post<T = unknown>(url: string, body?: unknown, args?: RequestArgs): Promise<T>;
}

export declare class TwitterApi {
  constructor(tokens: { appKey: string; appSecret: string; accessToken?: string; accessSecret?: string } | string, settings?: ClientSettings);
  readonly v2: TwitterApiV2;
}

export declare class ApiResponseError extends Error {
  /** The HTTP status. */
  code: number;
  data: unknown;
  rateLimit?: TwitterRateLimit;
  get rateLimitError(): boolean;
}

export declare class ApiRequestError extends Error {}
export declare class ApiPartialResponseError extends Error {}

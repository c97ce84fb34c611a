// Shared by the loopback Access fake (Node) and the console tests (workerd): no imports.
export const ACCESS_PREFIX = "/access";
export const ACCESS_AUDIENCE = "test-access-aud-0123456789abcdef";

// Vite's `?raw` imports (file contents as a string), for reading repository files in workerd.
declare module "*?raw" {
  const text: string;
  export default text;
}

/**
 * A typedoc plugin that drops one warning. Types inferred from valibot schemas
 * (`v.InferOutput<typeof FrameworkInfoSchema>`) give each property the same commented
 * declaration twice, and typedoc warns that it picks one of the two — over a hundred lines
 * that hide the warnings that matter (a type the API uses but does not export).
 */
const NOISE = /has multiple declarations with a comment\. An arbitrary comment will be used$|^The comments for .* are declared at:/;

export function load(app) {
  for (const level of ['warn', 'info']) {
    const log = app.logger[level].bind(app.logger);
    app.logger[level] = (message, ...rest) => (typeof message === 'string' && NOISE.test(message) ? undefined : log(message, ...rest));
  }
}

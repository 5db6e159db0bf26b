/** The benchmark's task: a short JS function. */
export const module = import.meta.url;

export function square(args: { n: number }): number {
  return args.n * args.n;
}

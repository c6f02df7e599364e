import type { z } from 'zod';

/**
 * A zod error as one line, one problem per clause, each naming its key path, e.g. `local.lr: must be > 0` or
 * `unknown key "lrr" in local`: the single wording for every validated input (configs, wire messages, specs).
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => `"${k}"`).join(', ');
        return `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}${path ? ` in ${path}` : ' at the top level'}`;
      }
      return `${path || '(top level)'}: ${issue.message}`;
    })
    .join('; ');
}

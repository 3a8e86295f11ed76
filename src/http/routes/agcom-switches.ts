/**
 * The AGCOM side of the northbound switch routes (switches.ts dispatches here):
 *
 * - `POST /v1/switches` with `"procedure": "agcom"` (body: start-switch-agcom.json, reached
 *   through the discriminated start-switch.json) → `AgcomService.startSwitch`;
 * - `POST /v1/switches/{id}/answer | cancel | reschedule` on a case whose procedure is `agcom`:
 *   a preValidation hook takes the request before the WBCI body schema is applied, validates it
 *   against agcom-answer.json / agcom-cancel.json / agcom-reschedule.json and answers it. Cases of
 *   other procedures pass through untouched.
 */
import type { FastifyReply, FastifyRequest, preValidationAsyncHookHandler } from 'fastify';
import type { ErrorObject } from 'ajv';
import type { Kysely } from 'kysely';
import type { Clock } from '../../domain/clock.js';
import type { Database } from '../../store/schema.js';
import type { AgcomService, Sent } from '../../app/agcom/service.js';
import type { AgcomAnswerInput, AgcomCancelInput, AgcomRescheduleInput, StartAgcomSwitch } from '../../app/agcom/commands.js';
import { AppError } from '../../app/errors.js';
import { createValidatorCompiler, loadRestSchemas } from '../schemas.js';
import { schemaIssues } from '../problem.js';
import { caseView } from '../views.js';
import { sendsCase, underIfMatch } from '../case-etag.js';
import { warningsView } from '../warnings.js';
import { idempotentOptions } from '../idempotency.js';
import type { CommandOptions } from '../../app/case-unit.js';

export interface AgcomRestDeps {
  db: Kysely<Database>;
  clock: Clock;
  agcom?: AgcomService;
}

export type AgcomWriteAction = 'answer' | 'cancel' | 'reschedule';

const SCHEMA_OF: Record<AgcomWriteAction, string> = {
  answer: 'agcom-answer.json',
  cancel: 'agcom-cancel.json',
  reschedule: 'agcom-reschedule.json',
};

const ACTION_OF_PATH: Record<string, AgcomWriteAction> = {
  '/v1/switches/:id/answer': 'answer',
  '/v1/switches/:id/cancel': 'cancel',
  '/v1/switches/:id/reschedule': 'reschedule',
};

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

export function agcomRest(deps: AgcomRestDeps) {
  const compile = createValidatorCompiler(loadRestSchemas());
  const validators = new Map<AgcomWriteAction, Validate>();
  const validatorOf = (action: AgcomWriteAction): Validate => {
    let v = validators.get(action);
    if (!v) {
      v = compile({ schema: { $ref: SCHEMA_OF[action] }, method: 'POST', url: '', httpPart: 'body' }) as Validate;
      validators.set(action, v);
    }
    return v;
  };

  const notEnabled = () =>
    new AppError(422, 'SG_PROCEDURE_NOT_ENABLED', 'the AGCOM procedure is not enabled on this gateway ("agcom" in self.profiles)', [
      { path: '/procedure', rule: 'enabledProfile', code: 'SG_PROCEDURE_NOT_ENABLED', message: 'agcom is not among this gateway\'s profiles' },
    ]);

  const run = (action: AgcomWriteAction, id: string, body: unknown, opts: CommandOptions): Promise<Sent> => {
    const agcom = deps.agcom!;
    switch (action) {
      case 'answer':
        return agcom.answer(id, body as AgcomAnswerInput, opts);
      case 'cancel':
        return agcom.cancel(id, (body ?? {}) as AgcomCancelInput, opts);
      case 'reschedule':
        return agcom.reschedule(id, body as AgcomRescheduleInput, opts);
    }
  };

  return {
    /** `POST /v1/switches` with `"procedure": "agcom"`. */
    start(body: StartAgcomSwitch, opts: Parameters<AgcomService['startSwitch']>[1]): ReturnType<AgcomService['startSwitch']> {
      if (!deps.agcom) throw notEnabled();
      return deps.agcom.startSwitch(body, opts);
    },

    /** The preValidation hook of a write route, when AGCOM handles that path. */
    hookFor(path: string): preValidationAsyncHookHandler | undefined {
      const action = ACTION_OF_PATH[path];
      if (!action || !deps.agcom) return undefined;
      return async function agcomWrite(request: FastifyRequest, reply: FastifyReply) {
        const id = (request.params as { id?: string }).id ?? '';
        const row = await deps.db.selectFrom('cases').select('procedure').where('id', '=', id).executeTakeFirst();
        if (row?.procedure !== 'agcom') return;
        const validate = validatorOf(action);
        const body = request.body ?? {};
        if (!validate(body)) {
          const issues = schemaIssues(validate.errors ?? [], 'body');
          const first = issues[0];
          throw new AppError(400, 'SG_INVALID_REQUEST', first ? `${first.path || '/'}: ${first.message}` : 'the request does not match its schema', issues);
        }
        // the Idempotency-Key is marked with the message (the route's idempotencyReplay answers a retry after a crash)
        const sent = await underIfMatch(request, id, () => run(action, id, body, idempotentOptions(request)));
        request.log.info({ caseId: id, messageId: sent.messageId }, 'agcom message queued');
        sendsCase(reply, sent.row);
        return reply.code(202).send({ messageId: sent.messageId, case: caseView(sent.row, deps.clock.now()), warnings: warningsView(sent.warnings) });
      };
    },
  };
}

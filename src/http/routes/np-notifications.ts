/**
 * `POST /agcom/v1/np-notifications`: a Donor's KO on numbers to port (italy.md §10.3 N13), sent to
 * the Recipient after its N11 notice. Recorded on the Recipient's case — a timeline message
 * `NP-KO` and a feed event `np.rejected` for the CRM — without changing the case's state: the
 * numbers' fate is the operator's to settle with the Donor. A resend (same Donor, same id) is
 * acknowledged once.
 *
 * Callers: any Donor with `agcom.numberPortability.inboundTokenSha256` (one token for all), or a
 * Donor of `agcom.numberPortability.donors` with its own token — then the KO must be its own
 * (`codiceOperatoreDonor`), else 403 `SG_SENDER_MISMATCH` and nothing is recorded.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { NpDonors } from '../../app/agcom/ftth-np.js';
import type { Database } from '../../store/schema.js';
import { writeCaseStep } from '../../store/repos/case-writes.js';
import { findByDedupeKey } from '../../store/repos/messages.js';
import { ajvIssues } from '../../schemas/ajv-issues.js';
import { lazyValidator } from '../../schemas/lazy-validator.js';
import { bearerToken, sha256Hex } from '../auth.js';
import { problem, sendProblem } from '../problem.js';
import { newMessageId } from '../../domain/message-id.js';

const schema = JSON.parse(readFileSync(new URL('../../../schemas/agcom/np-ko.json', import.meta.url), 'utf8')) as object;
// compiled on the first notification: the route exists on every AGCOM gateway, notifications are rare
const validate = lazyValidator(() => new Ajv({ allErrors: true, strict: false }).compile(schema));

interface NpKo {
  codiceOperatoreDonor: string;
  codiceOrdineRecipient: string;
  idNotifica: string;
  numerazioni: string[];
  causale: string;
  note?: string;
}

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string } | null)?.code === '23505';

export async function npNotificationRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; inboundTokenSha256?: string; donors?: NpDonors }): Promise<void> {
  app.post('/agcom/v1/np-notifications', { schema: { hide: true } }, async (request, reply) => {
    const token = bearerToken(request.headers.authorization);
    const anyDonor = token !== undefined && deps.inboundTokenSha256 !== undefined && sha256Hex(token) === deps.inboundTokenSha256;
    const donor = anyDonor ? undefined : deps.donors?.authenticate(token);
    if (!anyDonor && !donor) {
      reply.header('www-authenticate', 'Bearer realm="switchgate-np"');
      return sendProblem(reply, problem(401, 'SG_UNAUTHENTICATED', 'a Donor\'s bearer token is required'));
    }
    if (!validate(request.body)) {
      const issues = ajvIssues(validate.errors, { code: 'SG_SCHEMA' });
      return sendProblem(reply, problem(400, 'SG_INVALID_REQUEST', issues[0] ? `${issues[0].path}: ${issues[0].message}` : 'invalid', issues));
    }
    const ko = request.body as NpKo;
    if (donor && ko.codiceOperatoreDonor !== donor) {
      const detail = `codiceOperatoreDonor: ${ko.codiceOperatoreDonor} is not the authenticated Donor (${donor})`;
      return sendProblem(reply, problem(403, 'SG_SENDER_MISMATCH', detail, [{ path: '/codiceOperatoreDonor', rule: 'authenticatedSender', code: 'SG_SENDER_MISMATCH', message: detail }]));
    }
    const found = await deps.db
      .selectFrom('cases')
      .select('id')
      .where('id', '=', ko.codiceOrdineRecipient)
      .where('procedure', '=', 'agcom')
      .where('role', '=', 'recipient')
      .executeTakeFirst();
    if (!found) return sendProblem(reply, problem(404, 'SG_NOT_FOUND', `no migration ${ko.codiceOrdineRecipient} is known here as Recipient`));
    const dedupeKey = `np-ko:${ko.codiceOperatoreDonor}:${ko.idNotifica}`;
    // a resend: found by its key in either stored form (src/store/dedupe-keys.ts); two copies at once meet on the unique index below
    if (await findByDedupeKey(deps.db, dedupeKey)) return reply.code(202).send({ status: 'duplicate' });
    const messageId = newMessageId();
    try {
      await writeCaseStep(deps.db, {
        caseWrite: 'none',
        messages: [
          {
            messageId,
            caseId: found.id,
            type: 'NP-KO',
            direction: 'in',
            peer: `np:${ko.codiceOperatoreDonor}`,
            businessId: ko.idNotifica,
            status: 'accepted',
            body: ko,
            raw: JSON.stringify(request.body),
            rawFormat: 'json',
            dedupeKey,
          },
        ],
        outbox: [],
        history: [],
        events: [{ type: 'np.rejected', caseId: found.id, data: { donor: ko.codiceOperatoreDonor, numbers: ko.numerazioni, causale: ko.causale, idNotifica: ko.idNotifica, messageId } }],
      });
    } catch (err) {
      if (isUniqueViolation(err)) return reply.code(202).send({ status: 'duplicate' });
      throw err;
    }
    request.log.info({ caseId: found.id, messageId, donor: ko.codiceOperatoreDonor }, 'number-portability KO recorded');
    return reply.code(202).send({ status: 'accepted', messageId });
  });
}

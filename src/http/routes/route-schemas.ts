/** Schema pieces every /v1 route shares: the `{id}` path parameter and the problem answers. */
export const problemRef = { $ref: 'common.json#/definitions/problem' } as const;

export const problemResponses = { 400: problemRef, 401: problemRef, 403: problemRef, 404: problemRef, 409: problemRef, 422: problemRef } as const;

export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

import { applyDecorators, type Type } from '@nestjs/common';
import { swagger } from '../admin-peers';
import { AdminErrorResponse } from '../dto/admin-error.response';

/** The documented outcomes of an admin route. */
export interface ApiRouteOptions {
  summary: string;
  description?: string;
  /**
   * The success status.
   * @default 200
   */
  status?: number;
  /**
   * The class of a success body.
   * @default none
   */
  type?: Type<unknown>;
  /**
   * Error statuses the route may answer besides 400, 401 and 403 (404, 409).
   * @default []
   */
  errors?: number[];
  /**
   * Path parameters and what they name.
   * @default {}
   */
  params?: Record<string, string>;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input: the body names the field and the reason.',
  401: 'No principal: the request is not authenticated.',
  403: 'A guard refused the request.',
  404: 'No such subscription or attempt, or not one the caller may see.',
  409: 'Not allowed on this subscription (a static one configured in forRoot).',
};

/** `@ApiOperation`, `@ApiParam`s and `@ApiResponse`s of an admin route, when `@nestjs/swagger` is installed. */
export function ApiRoute(options: ApiRouteOptions): MethodDecorator {
  if (!swagger) return () => undefined;
  const { ApiOperation, ApiParam, ApiResponse } = swagger;
  return applyDecorators(
    ApiOperation({ summary: options.summary, ...(options.description ? { description: options.description } : {}) }),
    ...Object.entries(options.params ?? {}).map(([name, description]) => ApiParam({ name, description, type: String })),
    ApiResponse({
      status: options.status ?? 200,
      description: options.summary,
      ...(options.type ? { type: options.type } : {}),
    }),
    ...[400, 401, 403, ...(options.errors ?? [])].map((status) =>
      ApiResponse({ status, description: ERROR_DESCRIPTIONS[status], type: AdminErrorResponse }),
    ),
  );
}

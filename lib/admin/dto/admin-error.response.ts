import { ApiField, ApiOptionalField } from '../openapi/api-field.decorator';

/** One rejected input field. */
export class AdminFieldErrorResponse {
  @ApiField({ description: 'The field at fault, as a path (to, events[1], scope).', example: 'to' })
  field!: string;

  @ApiField({
    description: 'Why it was rejected, phrased to follow the field name.',
    example: 'must be an absolute https:// URL',
  })
  reason!: string;
}

/** The body of every error the admin API answers. */
export class AdminErrorResponse {
  @ApiField({ example: 400 })
  statusCode!: number;

  @ApiField({ example: 'Bad Request' })
  error!: string;

  @ApiField({
    description: 'What went wrong (for 400s: the field followed by the reason).',
    example: 'to must be an absolute https:// URL',
  })
  message!: string;

  @ApiOptionalField({ description: '400: the (first) field at fault.', example: 'to' })
  field?: string;

  @ApiOptionalField({ description: '400: why the field was rejected.', example: 'must be an absolute https:// URL' })
  reason?: string;

  @ApiOptionalField({ description: '400: every rejected field.', type: [AdminFieldErrorResponse] })
  errors?: AdminFieldErrorResponse[];
}

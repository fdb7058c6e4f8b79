import type { LifecycleRule as S3LifecycleRule } from '@aws-sdk/client-s3';
import type { LifecycleRule } from './object-store.js';

/** The vendor-neutral rules as an S3 lifecycle configuration (always with a `Filter`, as S3 now requires). */
export function toS3LifecycleRules(rules: readonly LifecycleRule[]): S3LifecycleRule[] {
  return rules.map((rule) => ({
    ID: rule.id,
    Status: rule.enabled ? 'Enabled' : 'Disabled',
    Filter: { Prefix: rule.prefix },
    ...(rule.expirationDays !== undefined ? { Expiration: { Days: rule.expirationDays } } : {}),
    ...(rule.noncurrentVersionExpirationDays !== undefined
      ? { NoncurrentVersionExpiration: { NoncurrentDays: rule.noncurrentVersionExpirationDays } }
      : {}),
    ...(rule.abortIncompleteMultipartDays !== undefined
      ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: rule.abortIncompleteMultipartDays } }
      : {}),
  }));
}

function unmodelledParts(rule: S3LifecycleRule): string[] {
  const parts: string[] = [];
  const filter = rule.Filter;
  if (filter?.Tag || filter?.And?.Tags?.length) parts.push('tag filter');
  if (filter?.ObjectSizeGreaterThan !== undefined || filter?.And?.ObjectSizeGreaterThan !== undefined) {
    parts.push('minimum object size filter');
  }
  if (filter?.ObjectSizeLessThan !== undefined || filter?.And?.ObjectSizeLessThan !== undefined) {
    parts.push('maximum object size filter');
  }
  if (rule.Expiration?.Date) parts.push('expiration date');
  if (rule.Expiration?.ExpiredObjectDeleteMarker) parts.push('expired delete marker removal');
  if (rule.Transitions?.length) parts.push('transitions');
  if (rule.NoncurrentVersionTransitions?.length) parts.push('noncurrent version transitions');
  if (rule.NoncurrentVersionExpiration?.NewerNoncurrentVersions !== undefined) {
    parts.push('newer noncurrent versions kept');
  }
  return parts;
}

/** An S3 lifecycle configuration as vendor-neutral rules; what they cannot express is named in `unmodelled`. */
export function fromS3LifecycleRules(rules: readonly S3LifecycleRule[]): LifecycleRule[] {
  return rules.map((rule, index) => {
    const unmodelled = unmodelledParts(rule);
    return {
      id: rule.ID ?? `rule-${index + 1}`,
      prefix: rule.Filter?.Prefix ?? rule.Filter?.And?.Prefix ?? rule.Prefix ?? '',
      enabled: rule.Status === 'Enabled',
      ...(rule.Expiration?.Days !== undefined ? { expirationDays: rule.Expiration.Days } : {}),
      ...(rule.NoncurrentVersionExpiration?.NoncurrentDays !== undefined
        ? { noncurrentVersionExpirationDays: rule.NoncurrentVersionExpiration.NoncurrentDays }
        : {}),
      ...(rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation !== undefined
        ? { abortIncompleteMultipartDays: rule.AbortIncompleteMultipartUpload.DaysAfterInitiation }
        : {}),
      ...(unmodelled.length > 0 ? { unmodelled } : {}),
    };
  });
}

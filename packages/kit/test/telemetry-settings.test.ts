import { describe, expect, it } from 'vitest';
import { tracingSettings } from '../src/telemetry-sdk.js';

// Which standard OTEL_* variables turn tracing on, in which encoding, with which SQL attributes.

describe('tracingSettings', () => {
  it('has no endpoint, hence no exporter, when none is set', () => {
    expect(tracingSettings({})).toEqual({ endpoint: undefined, protocol: 'http/protobuf', disabled: false, database: 'old' });
  });

  it('takes the traces endpoint over the general one, and an empty value as unset', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).endpoint).toBe('http://collector:4318');
    expect(
      tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/v1/traces' }).endpoint,
    ).toBe('http://traces:4318/v1/traces');
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).endpoint).toBeUndefined();
  });

  it('speaks http/json when asked, the traces protocol over the general one', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).protocol).toBe('http/json');
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).protocol).toBe(
      'http/protobuf',
    );
  });

  it('refuses grpc, which this build does not carry, naming the variable', () => {
    expect(() => tracingSettings({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" is not supported/);
  });

  it('is disabled by OTEL_SDK_DISABLED=true (any case) or OTEL_TRACES_EXPORTER=none, and only by those', () => {
    expect(tracingSettings({ OTEL_SDK_DISABLED: 'TRUE' }).disabled).toBe(true);
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'none' }).disabled).toBe(true);
    expect(tracingSettings({ OTEL_SDK_DISABLED: 'false' }).disabled).toBe(false);
    expect(tracingSettings({ OTEL_SDK_DISABLED: '1' }).disabled).toBe(false);
  });

  it('picks the conventions of SQL spans from OTEL_SEMCONV_STABILITY_OPT_IN, database/dup over database', () => {
    expect(tracingSettings({ OTEL_SEMCONV_STABILITY_OPT_IN: 'http' }).database).toBe('old');
    expect(tracingSettings({ OTEL_SEMCONV_STABILITY_OPT_IN: 'http, database' }).database).toBe('stable');
    expect(tracingSettings({ OTEL_SEMCONV_STABILITY_OPT_IN: 'database,database/dup' }).database).toBe('both');
    expect(tracingSettings({ OTEL_SEMCONV_STABILITY_OPT_IN: 'databases' }).database).toBe('old');
  });
});

/**
 * JSON schemas of the operator kinds the HA overlay uses, for the fields it sets: taken from the
 * operators' CRDs (KEDA 2.18 `ScaledObject`, CloudNativePG 1.27 `Cluster` and `Database`).
 * `additionalProperties: false` where the overlay writes, so a misspelt field fails the test.
 */
const metadata = {
  type: 'object',
  required: ['name', 'namespace'],
  properties: { name: { type: 'string' }, namespace: { type: 'string' }, labels: { type: 'object' } },
};
const quantity = { type: 'string', pattern: '^[0-9.]+(m|Ki|Mi|Gi|Ti)?$' };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };

export const scaledObjectSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'keda.sh/v1alpha1' },
    kind: { const: 'ScaledObject' },
    metadata,
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['scaleTargetRef', 'triggers'],
      properties: {
        scaleTargetRef: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' } },
        },
        minReplicaCount: { type: 'integer', minimum: 0 },
        maxReplicaCount: { type: 'integer', minimum: 1 },
        pollingInterval: { type: 'integer', minimum: 1 },
        cooldownPeriod: { type: 'integer', minimum: 0 },
        advanced: {
          type: 'object',
          additionalProperties: false,
          properties: {
            horizontalPodAutoscalerConfig: {
              type: 'object',
              additionalProperties: false,
              properties: { name: { type: 'string' }, behavior: { type: 'object' } },
            },
            restoreToOriginalReplicaCount: { type: 'boolean' },
          },
        },
        triggers: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'metadata'],
            properties: {
              type: { type: 'string' },
              name: { type: 'string' },
              metricType: { enum: ['AverageValue', 'Value', 'Utilization'] },
              metadata: stringMap,
              authenticationRef: { type: 'object' },
              useCachedMetrics: { type: 'boolean' },
            },
          },
        },
      },
    },
  },
} as const;

export const cnpgClusterSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'postgresql.cnpg.io/v1' },
    kind: { const: 'Cluster' },
    metadata,
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['instances', 'storage'],
      properties: {
        instances: { type: 'integer', minimum: 1 },
        imageName: { type: 'string', pattern: ':[0-9][\\w.-]*$' },
        primaryUpdateStrategy: { enum: ['supervised', 'unsupervised'] },
        postgresql: {
          type: 'object',
          additionalProperties: false,
          properties: {
            parameters: stringMap,
            pg_hba: { type: 'array', items: { type: 'string' } },
            synchronous: {
              type: 'object',
              additionalProperties: false,
              required: ['method', 'number'],
              properties: { method: { enum: ['any', 'first'] }, number: { type: 'integer', minimum: 1 } },
            },
          },
        },
        bootstrap: {
          type: 'object',
          additionalProperties: false,
          properties: {
            initdb: {
              type: 'object',
              additionalProperties: false,
              properties: {
                database: { type: 'string' },
                owner: { type: 'string' },
                secret: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['name'],
                  properties: { name: { type: 'string' } },
                },
                postInitSQL: { type: 'array', items: { type: 'string' } },
                postInitApplicationSQL: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
        enableSuperuserAccess: { type: 'boolean' },
        managed: {
          type: 'object',
          additionalProperties: false,
          properties: {
            roles: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['name'],
                properties: {
                  name: { type: 'string' },
                  ensure: { enum: ['present', 'absent'] },
                  comment: { type: 'string' },
                  login: { type: 'boolean' },
                  superuser: { type: 'boolean' },
                  createdb: { type: 'boolean' },
                  createrole: { type: 'boolean' },
                  inherit: { type: 'boolean' },
                  replication: { type: 'boolean' },
                  bypassrls: { type: 'boolean' },
                  connectionLimit: { type: 'integer' },
                  disablePassword: { type: 'boolean' },
                  inRoles: { type: 'array', items: { type: 'string' } },
                  passwordSecret: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['name'],
                    properties: { name: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
        storage: {
          type: 'object',
          additionalProperties: false,
          required: ['size'],
          properties: { size: quantity, storageClass: { type: 'string' } },
        },
        resources: {
          type: 'object',
          additionalProperties: false,
          properties: {
            requests: { type: 'object', properties: { cpu: quantity, memory: quantity } },
            limits: { type: 'object', properties: { cpu: quantity, memory: quantity } },
          },
        },
        affinity: {
          type: 'object',
          additionalProperties: false,
          properties: { enablePodAntiAffinity: { type: 'boolean' }, topologyKey: { type: 'string' } },
        },
      },
    },
  },
} as const;

export const cnpgDatabaseSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'postgresql.cnpg.io/v1' },
    kind: { const: 'Database' },
    metadata,
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['cluster', 'name', 'owner'],
      properties: {
        cluster: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: { name: { type: 'string' } },
        },
        name: { type: 'string' },
        owner: { type: 'string' },
      },
    },
  },
} as const;

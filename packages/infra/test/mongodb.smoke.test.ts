import { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServers, uniqueName } from '../src/index.js';

describe('MongoDB wire protocol (smoke)', () => {
  let client: MongoClient;
  const dbName = uniqueName('smoke');

  beforeAll(async () => {
    client = new MongoClient(testServers().mongoUrl);
    await client.connect();
  });
  afterAll(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  it('inserts, finds, and refuses a duplicate key with code 11000', async () => {
    const customers = client.db(dbName).collection<{ _id: string; email: string }>('customers');
    await customers.createIndex({ email: 1 }, { unique: true });
    await customers.insertOne({ _id: 'a', email: 'ada@example.com' });

    expect(await customers.findOne({ email: 'ada@example.com' })).toEqual({
      _id: 'a',
      email: 'ada@example.com',
    });

    const duplicate = await customers
      .insertOne({ _id: 'b', email: 'ada@example.com' })
      .catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(MongoServerError);
    expect((duplicate as MongoServerError).code).toBe(11000);
    expect(await customers.countDocuments()).toBe(1);
  });
});

// MongoDB's first start (docker-entrypoint-initdb.d, run by mongosh as the root user of
// MONGO_INITDB_ROOT_USERNAME): a user per service, defined in the service's own database (its
// `authSource`) with `readWrite` on that database only. Passwords come from the services'
// Secrets. Idempotent: run it again (mongosh as root) to reset the passwords and roles.
const services = [
  { user: 'order_service', db: 'orders', password: process.env.ORDER_SERVICE_MONGODB_PASSWORD },
  { user: 'inventory_service', db: 'inventory', password: process.env.INVENTORY_SERVICE_MONGODB_PASSWORD },
];

for (const { user, db: name, password } of services) {
  if (!password) throw new Error(`no password for MongoDB user ${user} (its Secret)`);
  const database = db.getSiblingDB(name);
  const roles = [{ role: 'readWrite', db: name }];
  if (database.getUser(user)) database.updateUser(user, { pwd: password, roles });
  else database.createUser({ user, pwd: password, roles });
}

import type { DataSource } from 'typeorm';

/** The database families the module supports, with the SQL each one needs. */
export type DatabaseKind = 'sqlite' | 'postgres' | 'mysql';

/** The family of a data source's database, or `null` when the module does not support it. */
export function databaseKind(dataSource: DataSource): DatabaseKind | null {
  switch (dataSource.options.type) {
    case 'better-sqlite3':
    case 'sqljs':
    case 'capacitor':
    case 'cordova':
    case 'expo':
    case 'nativescript':
    case 'react-native':
      return 'sqlite';
    case 'postgres':
    case 'aurora-postgres':
    case 'cockroachdb':
      return 'postgres';
    case 'mysql':
    case 'mariadb':
    case 'aurora-mysql':
      return 'mysql';
    default:
      return null;
  }
}

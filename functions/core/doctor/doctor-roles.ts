/**
 * The doctor's advice for a missing ORDS role or database grant, per kind of credentials. ORDS roles
 * ("SQL Administrator", "SQL Developer") belong to ORDS users and OAuth2 clients: a database user
 * cannot be granted one, so the advice for Basic authentication never says so. Sources:
 * docs/ords-support.md.
 */

/** Who the doctor's checks run as. */
export interface Who {
  /** `user DBAPI_USER`, or `OAuth client backup-client`. */
  readonly label: string;
  /** The database user a DBA grants to (a placeholder for OAuth2, whose user is not known here). */
  readonly grantee: string;
  readonly secretId: string;
  /** The OAuth2 client id; absent for Basic authentication. */
  readonly clientId?: string;
}

/** `BEGIN OAUTH.GRANT_CLIENT_ROLE(…); COMMIT; END;` for one ORDS role, run as the client's schema. */
function grantClientRole(clientId: string, role: string): string {
  return `BEGIN OAUTH.GRANT_CLIENT_ROLE(p_client_name => '${clientId.replaceAll("'", "''")}', p_role_name => '${role}'); COMMIT; END;`;
}

/** What to do when ORDS refuses the Data Pump routes to authenticated credentials (401 or 403). */
export function dataPumpRoleFix(who: Who): string {
  if (who.clientId !== undefined) {
    return (
      `As the schema that owns ${who.label} run ${grantClientRole(who.clientId, 'SQL Developer')} ` +
      `(ORDS 22.3 and later); before ORDS 22.3 the Data Pump routes need "SQL Administrator": ` +
      `${grantClientRole(who.clientId, 'SQL Administrator')}`
    );
  }
  return (
    `ORDS roles cannot be granted to a database user: turn on database authentication in ORDS ` +
    `(ords config set restEnabledSql.active true, then restart ORDS) and REST-enable the schema as a DBA ` +
    `(BEGIN ORDS_ADMIN.ENABLE_SCHEMA(p_enabled => TRUE, p_schema => '${who.grantee}'); END;). If ORDS still ` +
    `refuses, give ${who.grantee} the role Oracle's Database API setup names (GRANT PDB_DBA TO ${who.grantee};) ` +
    'or use an OAuth2 client granted "SQL Developer".'
  );
}

/** What to do when ORDS refuses REST-enabled SQL to authenticated credentials (401 or 403). */
export function restSqlRoleFix(who: Who): string {
  if (who.clientId !== undefined) {
    return (
      `As the schema that owns ${who.label} run ${grantClientRole(who.clientId, 'SQL Developer')} ` +
      '(REST-enabled SQL needs it), or set serverCleanup to "off" and deploy.'
    );
  }
  return (
    `REST-enable the schema as a DBA (BEGIN ORDS_ADMIN.ENABLE_SCHEMA(p_enabled => TRUE, p_schema => ` +
    `'${who.grantee}'); END;) and check restEnabledSql.active=true in ORDS, or set serverCleanup to "off" ` +
    'and deploy.'
  );
}

/**
 * What to do when the job list answers 500: ORDS's query of DBA_DATAPUMP_JOBS failed, most often
 * because the user may not read the view (ORA-00942 in the ORDS log).
 */
export function jobListPrivilegeFix(who: Who): string {
  return (
    `The job list reads DBA_DATAPUMP_JOBS: as a DBA run GRANT SELECT ON SYS.DBA_DATAPUMP_JOBS TO ${who.grantee}; ` +
    `(or GRANT SELECT_CATALOG_ROLE TO ${who.grantee}; as a default role). If the ORDS log shows another ` +
    'ORA- error than ORA-00942, fix that instead.'
  );
}

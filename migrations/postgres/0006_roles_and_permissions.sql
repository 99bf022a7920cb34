-- Roles and permissions. Keep in step with the other database's copy.
--
-- A role may be scoped to one application (client_id). Built-in roles keep
-- their permissions in the code (masquerade::authz::builtin); every other
-- role's permissions are rows here, one per (API, permission).
ALTER TABLE roles ADD COLUMN client_id TEXT REFERENCES applications(client_id) ON DELETE CASCADE;
ALTER TABLE roles ADD COLUMN name_lc TEXT NOT NULL DEFAULT '';
ALTER TABLE roles ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE roles SET name_lc = lower(name);
CREATE INDEX roles_by_name ON roles (name_lc, id);

CREATE TABLE role_permissions (
    role_id     TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    api_id      TEXT NOT NULL REFERENCES apis(id) ON DELETE CASCADE,
    permission  TEXT NOT NULL,
    PRIMARY KEY (role_id, api_id, permission)
);
CREATE INDEX role_permissions_by_api ON role_permissions (api_id, permission);

-- A role's members, paged and counted without touching other roles' rows.
CREATE INDEX user_roles_by_role ON user_roles (role_id, user_id);

-- "Add permissions in the access token" (Auth0's RBAC setting).
ALTER TABLE apis ADD COLUMN permissions_in_token BIGINT NOT NULL DEFAULT 0;

-- api_clients.scopes (a JSON list of permission names) becomes what it was always meant to be:
-- the API's permissions this client may be given by client_credentials.
-- Clients authorized before this migration were handed every permission;
-- they keep exactly that, so nothing breaks on upgrade, and new
-- authorizations grant only what is chosen.
UPDATE api_clients SET scopes = COALESCE((
    SELECT json_agg(p->>'value')::text
      FROM apis a, json_array_elements(a.permissions::json) p WHERE a.id = api_clients.api_id), '[]')
 WHERE scopes = '[]';

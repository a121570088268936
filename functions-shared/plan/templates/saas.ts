/**
 * @module The SaaS template baseline: organizations, memberships, projects, tasks and
 * subscriptions, with membership-based row-level security. No policy queries its own table:
 * membership checks go through SECURITY DEFINER helpers in the unexposed schema `private`
 * (empty search_path, fully-qualified names, `stable`, executable by `authenticated` only).
 */

import {
  ALL_PRIVILEGES,
  authUserKey,
  column,
  createdAtColumn,
  CURRENT_USER_ID,
  grant,
  idColumn,
  indexOn,
  policyExpressions,
  referenceColumn,
} from "../elements.ts";
import type { DbFunction, Plan, Policy, PolicyBasis, PolicyCommand } from "../schema.ts";
import { environmentEdgeFunctions } from "./edge_functions.ts";
import {
  handleNewUserFunction,
  onAuthUserCreatedTrigger,
  profilesGrants,
  profilesPolicies,
  profilesTable,
} from "./profiles.ts";
import { imageBucketStorage } from "./storage.ts";

const isMember = (orgColumn: string): string => `private.is_org_member(${orgColumn})`;
const hasRole = (orgColumn: string, roles: readonly string[]): string =>
  `private.has_org_role(${orgColumn}, array[${roles.map((role) => `'${role}'`).join(", ")}])`;
const ADMINS = ["owner", "admin"] as const;
const MEMBER_VERBS = {
  select: "read",
  insert: "create",
  update: "update",
  delete: "delete",
} as const;
const TASK_PROJECT_MEMBER = "exists (select 1 from public.projects p " +
  "where p.id = tasks.project_id and private.is_org_member(p.org_id))";

function saasPolicy(
  table: string,
  command: PolicyCommand,
  suffix: string,
  condition: string,
  basis: PolicyBasis[],
  description: string,
): Policy {
  return {
    name: `${table}_${command}_${suffix}`,
    table,
    command,
    roles: ["authenticated"],
    ...policyExpressions(command, condition),
    basis,
    rule: `saas:${table}:${command}`,
    description,
  };
}

function membershipHelpers(): DbFunction[] {
  const common = {
    schema: "private",
    returns: "boolean",
    language: "sql",
    volatility: "stable",
    securityDefiner: true,
    searchPath: "",
  } as const;
  return [
    {
      ...common,
      name: "is_org_member",
      executeRoles: ["authenticated"],
      args: [{ name: "org", type: "uuid" }],
      body: [
        "select exists (",
        "  select 1 from public.memberships m",
        "  where m.org_id = org and m.user_id = (select auth.uid())",
        ");",
      ].join("\n"),
      comment: "Whether the signed-in user belongs to the organization.",
    },
    {
      ...common,
      name: "has_org_role",
      executeRoles: ["authenticated"],
      args: [{ name: "org", type: "uuid" }, { name: "roles", type: "text[]" }],
      body: [
        "select exists (",
        "  select 1 from public.memberships m",
        "  where m.org_id = org and m.user_id = (select auth.uid()) and m.role = any (roles)",
        ");",
      ].join("\n"),
      comment: "Whether the signed-in user has one of the roles in the organization.",
    },
    {
      schema: "private",
      name: "handle_new_organization",
      args: [],
      returns: "trigger",
      language: "plpgsql",
      volatility: "volatile",
      securityDefiner: true,
      searchPath: "",
      body: [
        "begin",
        "  if new.created_by is not null then",
        "    insert into public.memberships (org_id, user_id, role)",
        "    values (new.id, new.created_by, 'owner')",
        "    on conflict (org_id, user_id) do nothing;",
        "  end if;",
        "  return new;",
        "end;",
      ].join("\n"),
      executeRoles: [],
      comment: "Makes the creator of an organization its owner.",
    },
  ];
}

/** A fresh copy of the SaaS baseline plan (analytics off, no requirements). */
export function saasBaseline(): Plan {
  return {
    version: 1,
    template: "saas",
    tables: [
      profilesTable(),
      {
        name: "organizations",
        comment: "Tenants; visible to their members.",
        columns: [
          idColumn(),
          column("name", "text", { nullable: false, check: "char_length(name) between 1 and 200" }),
          column("created_by", "uuid", {
            default: "auth.uid()",
            references: authUserKey("set null"),
          }),
          createdAtColumn(),
        ],
        ownerColumn: null,
        indexes: [indexOn("organizations", ["created_by"])],
      },
      {
        name: "memberships",
        comment: "Who belongs to which organization, and with which role.",
        columns: [
          idColumn(),
          referenceColumn("org_id", "organizations", "cascade"),
          column("user_id", "uuid", { nullable: false, references: authUserKey("cascade") }),
          column("role", "text", {
            nullable: false,
            default: "'member'",
            check: "role in ('owner', 'admin', 'member')",
          }),
          createdAtColumn(),
        ],
        ownerColumn: null,
        indexes: [
          indexOn("memberships", ["org_id", "user_id"], true),
          indexOn("memberships", ["user_id"]),
        ],
      },
      {
        name: "projects",
        comment: "Work containers owned by an organization.",
        columns: [
          idColumn(),
          referenceColumn("org_id", "organizations", "cascade"),
          column("name", "text", { nullable: false, check: "char_length(name) between 1 and 200" }),
          column("created_by", "uuid", {
            default: "auth.uid()",
            references: authUserKey("set null"),
          }),
          createdAtColumn(),
        ],
        ownerColumn: null,
        indexes: [indexOn("projects", ["org_id"]), indexOn("projects", ["created_by"])],
      },
      {
        name: "tasks",
        comment: "Units of work in a project.",
        columns: [
          idColumn(),
          referenceColumn("project_id", "projects", "cascade"),
          column("title", "text", {
            nullable: false,
            check: "char_length(title) between 1 and 500",
          }),
          column("status", "text", {
            nullable: false,
            default: "'todo'",
            check: "status in ('todo', 'in_progress', 'done')",
          }),
          column("assignee_id", "uuid", { references: authUserKey("set null") }),
          column("due_date", "date"),
          column("created_by", "uuid", {
            default: "auth.uid()",
            references: authUserKey("set null"),
          }),
          createdAtColumn(),
        ],
        ownerColumn: null,
        indexes: [
          indexOn("tasks", ["project_id"]),
          indexOn("tasks", ["assignee_id"]),
          indexOn("tasks", ["created_by"]),
        ],
      },
      {
        name: "subscriptions",
        comment: "Billing state of each organization; written by the server only.",
        columns: [
          idColumn(),
          column("org_id", "uuid", {
            nullable: false,
            unique: true,
            references: {
              schema: "public",
              table: "organizations",
              column: "id",
              onDelete: "cascade",
            },
          }),
          column("plan", "text", {
            nullable: false,
            default: "'free'",
            check: "plan in ('free', 'pro', 'enterprise')",
          }),
          column("status", "text", {
            nullable: false,
            default: "'active'",
            check: "status in ('trialing', 'active', 'past_due', 'canceled')",
          }),
          column("current_period_end", "timestamptz"),
          createdAtColumn(),
        ],
        ownerColumn: null,
        indexes: [],
      },
    ],
    policies: [
      ...profilesPolicies("saas"),
      saasPolicy(
        "organizations",
        "select",
        "member",
        `${isMember("id")} or ${CURRENT_USER_ID} = created_by`,
        ["membership", "owner"],
        "Members of an organization, and its creator, can read it.",
      ),
      saasPolicy(
        "organizations",
        "insert",
        "own",
        `${CURRENT_USER_ID} = created_by`,
        ["owner"],
        "Signed-in users can create organizations they then own.",
      ),
      saasPolicy(
        "organizations",
        "update",
        "admin",
        hasRole("id", ADMINS),
        ["membership"],
        "Owners and admins can update their organization.",
      ),
      saasPolicy(
        "organizations",
        "delete",
        "owner",
        hasRole("id", ["owner"]),
        ["membership"],
        "Only owners can delete their organization.",
      ),
      saasPolicy(
        "memberships",
        "select",
        "member",
        isMember("org_id"),
        ["membership"],
        "Members can see who else belongs to their organizations.",
      ),
      saasPolicy(
        "memberships",
        "insert",
        "admin",
        `${hasRole("org_id", ["owner"])} or (role <> 'owner' and ${hasRole("org_id", ["admin"])})`,
        ["membership"],
        "Owners add members with any role; admins add members and admins.",
      ),
      saasPolicy(
        "memberships",
        "update",
        "admin",
        `${hasRole("org_id", ["owner"])} or (role <> 'owner' and ${hasRole("org_id", ["admin"])})`,
        ["membership"],
        "Owners change any membership; admins change non-owner memberships.",
      ),
      saasPolicy(
        "memberships",
        "delete",
        "admin",
        `${hasRole("org_id", ADMINS)} or ${CURRENT_USER_ID} = user_id`,
        ["membership", "owner"],
        "Owners and admins remove members; anyone can leave.",
      ),
      ...(["select", "insert", "update"] as const).map((command) =>
        saasPolicy(
          "projects",
          command,
          "member",
          isMember("org_id"),
          ["membership"],
          `Members ${MEMBER_VERBS[command]} their organization's projects.`,
        )
      ),
      saasPolicy(
        "projects",
        "delete",
        "admin",
        hasRole("org_id", ADMINS),
        ["membership"],
        "Owners and admins delete projects.",
      ),
      ...(["select", "insert", "update", "delete"] as const).map((command) =>
        saasPolicy(
          "tasks",
          command,
          "member",
          TASK_PROJECT_MEMBER,
          ["related"],
          `Members ${MEMBER_VERBS[command]} tasks in their organization's projects.`,
        )
      ),
      saasPolicy(
        "subscriptions",
        "select",
        "member",
        isMember("org_id"),
        ["membership"],
        "Members can see their organization's subscription; only the server changes it.",
      ),
    ],
    grants: [
      ...profilesGrants(),
      ...["organizations", "memberships", "projects", "tasks"].flatMap((table) => [
        grant(table, "authenticated", ALL_PRIVILEGES),
        grant(table, "service_role", ALL_PRIVILEGES),
      ]),
      grant("subscriptions", "authenticated", ["select"]),
      grant("subscriptions", "service_role", ALL_PRIVILEGES),
    ],
    functions: [handleNewUserFunction(), ...membershipHelpers()],
    triggers: [
      onAuthUserCreatedTrigger(),
      {
        name: "on_organization_created",
        schema: "public",
        table: "organizations",
        timing: "after",
        events: ["insert"],
        function: { schema: "private", name: "handle_new_organization" },
      },
    ],
    edgeFunctions: environmentEdgeFunctions(),
    analytics: { enabled: false },
    requirements: [],
    storage: imageBucketStorage(
      "avatars",
      "avatars",
      "avatars",
      "Profile pictures, under each user's id.",
      1024 * 1024,
    ),
  };
}

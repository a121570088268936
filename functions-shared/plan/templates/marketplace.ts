/**
 * @module The marketplace template baseline (BRIEF §9): listings readable by anyone and
 * written only by their owner; bids and orders visible only to the user who made them and
 * created only for oneself; plus profiles.
 */

import {
  ALL_PRIVILEGES,
  column,
  createdAtColumn,
  grant,
  idColumn,
  indexOn,
  ownerColumn,
  ownerPolicy,
  referenceColumn,
} from "../elements.ts";
import type { Plan } from "../schema.ts";
import { environmentEdgeFunctions } from "./edge_functions.ts";
import {
  handleNewUserFunction,
  onAuthUserCreatedTrigger,
  profilesGrants,
  profilesPolicies,
  profilesTable,
} from "./profiles.ts";
import { imageBucketStorage } from "./storage.ts";

const rule = (table: string, command: string): string => `marketplace:${table}:${command}`;

/** A fresh copy of the marketplace baseline plan (analytics off, no requirements). */
export function marketplaceBaseline(): Plan {
  return {
    version: 1,
    template: "marketplace",
    tables: [
      profilesTable(),
      {
        name: "listings",
        comment: "Items offered for sale; anyone can browse them.",
        columns: [
          idColumn(),
          ownerColumn("owner_id"),
          column("title", "text", {
            nullable: false,
            check: "char_length(title) between 1 and 200",
          }),
          column("description", "text"),
          column("status", "text", {
            nullable: false,
            default: "'active'",
            check: "status in ('active', 'sold', 'archived')",
          }),
          createdAtColumn(),
        ],
        ownerColumn: "owner_id",
        indexes: [indexOn("listings", ["owner_id"])],
      },
      {
        name: "bids",
        comment: "Offers on listings; each is visible only to its bidder.",
        columns: [
          idColumn(),
          referenceColumn("listing_id", "listings", "cascade"),
          ownerColumn("bidder_id"),
          column("amount", "numeric(12,2)", { nullable: false, check: "amount > 0" }),
          createdAtColumn(),
        ],
        ownerColumn: "bidder_id",
        indexes: [indexOn("bids", ["listing_id"]), indexOn("bids", ["bidder_id"])],
      },
      {
        name: "orders",
        comment: "Purchases of listings; each is visible only to its buyer.",
        columns: [
          idColumn(),
          referenceColumn("listing_id", "listings", "restrict"),
          ownerColumn("buyer_id"),
          column("status", "text", {
            nullable: false,
            default: "'pending'",
            check: "status in ('pending', 'paid', 'shipped', 'completed', 'cancelled')",
          }),
          createdAtColumn(),
        ],
        ownerColumn: "buyer_id",
        indexes: [indexOn("orders", ["listing_id"]), indexOn("orders", ["buyer_id"])],
      },
    ],
    policies: [
      ...profilesPolicies("marketplace"),
      {
        name: "listings_select_public",
        table: "listings",
        command: "select",
        roles: ["anon", "authenticated"],
        using: "true",
        withCheck: null,
        basis: ["public"],
        rule: rule("listings", "select"),
        description: "Anyone, signed in or not, can browse listings.",
      },
      ownerPolicy("listings", "insert", "owner_id", { rule: rule("listings", "insert") }),
      ownerPolicy("listings", "update", "owner_id", { rule: rule("listings", "update") }),
      ownerPolicy("listings", "delete", "owner_id", { rule: rule("listings", "delete") }),
      ownerPolicy("bids", "select", "bidder_id", { rule: rule("bids", "select") }),
      ownerPolicy("bids", "insert", "bidder_id", { rule: rule("bids", "insert") }),
      ownerPolicy("orders", "select", "buyer_id", { rule: rule("orders", "select") }),
      ownerPolicy("orders", "insert", "buyer_id", { rule: rule("orders", "insert") }),
    ],
    grants: [
      ...profilesGrants(),
      grant("listings", "anon", ["select"]),
      grant("listings", "authenticated", ["select", "insert", "update", "delete"]),
      grant("listings", "service_role", ALL_PRIVILEGES),
      grant("bids", "authenticated", ["select", "insert"]),
      grant("bids", "service_role", ALL_PRIVILEGES),
      grant("orders", "authenticated", ["select", "insert"]),
      grant("orders", "service_role", ALL_PRIVILEGES),
    ],
    functions: [handleNewUserFunction()],
    triggers: [onAuthUserCreatedTrigger()],
    edgeFunctions: environmentEdgeFunctions(),
    analytics: { enabled: false },
    requirements: [],
    storage: imageBucketStorage(
      "listing-photos",
      "listing_photos",
      "listing photos",
      "Photos of listings, under the seller's user id.",
    ),
  };
}

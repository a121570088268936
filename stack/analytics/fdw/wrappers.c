/*
 * vibe-architect local stack: the Iceberg foreign data wrapper of Supabase Wrappers
 * (iceberg_fdw_handler / iceberg_fdw_validator), with the hosted option names, over the local
 * analytics bucket. Each scan runs one fixed program -- the stack's Iceberg reader, installed
 * next to this extension's control file -- through COPY's CSV machinery. No option names a
 * program or a path: the server's `warehouse` and the table's `table` are validated names, and
 * `vault_*` options must name existing Vault secrets, as on hosted.
 */
#include "postgres.h"

#include <unistd.h>

#include "access/htup_details.h"
#include "access/reloptions.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_type.h"
#include "catalog/pg_user_mapping.h"
#include "commands/copy.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(iceberg_fdw_handler);
PG_FUNCTION_INFO_V1(iceberg_fdw_validator);

/* Options the hosted Iceberg wrapper documents, by where they may appear. */
static const char *const server_options[] = {
	"catalog_uri", "warehouse", "s3.endpoint", "region_name", "aws_access_key_id",
	"aws_secret_access_key", "vault_aws_access_key_id", "vault_aws_secret_access_key",
	"token", "vault_token", "aws_s3table_bucket_arn", "batch_size", NULL
};
static const char *const table_options[] = {
	"table", "rowid_column", "schema_id", "create_table_if_not_exists",
	"partition_buffer_size", NULL
};

typedef struct IcebergScanState
{
	char	   *table;
	char	   *command;
	char	   *errfile;
	CopyFromState cstate;
} IcebergScanState;

static bool
listed(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

static bool
matches(const char *value, bool dotted)
{
	int			parts = 1;
	bool		empty = true;
	const char *p;

	if (value[0] == '\0' || strlen(value) > 200)
		return false;
	for (p = value; *p; p++)
	{
		char		c = *p;

		if (c == '.')
		{
			if (!dotted || empty)
				return false;
			parts++;
			empty = true;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || (!dotted && c == '-')))
			return false;
		empty = false;
	}
	return !empty && (!dotted || parts >= 2);
}

Datum
iceberg_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *cell;
	bool		has_table = false;

	foreach(cell, options)
	{
		DefElem    *def = (DefElem *) lfirst(cell);
		const char *value = defGetString(def);

		if (catalog == ForeignServerRelationId)
		{
			if (!listed(def->defname, server_options) && strncmp(def->defname, "s3.", 3) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("invalid option \"%s\" for an Iceberg server", def->defname),
						 errhint("Use catalog_uri, warehouse, \"s3.endpoint\", region_name and the vault_* credentials.")));
			if (strcmp(def->defname, "warehouse") == 0 && !matches(value, false))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("invalid warehouse \"%s\": use the analytics bucket's name", value)));
		}
		else if (catalog == ForeignTableRelationId)
		{
			if (!listed(def->defname, table_options))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("invalid option \"%s\" for an Iceberg foreign table", def->defname),
						 errhint("Name the source with table 'namespace.table'.")));
			if (strcmp(def->defname, "table") == 0)
			{
				if (!matches(value, true))
					ereport(ERROR,
							(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
							 errmsg("invalid table \"%s\": use namespace.table", value)));
				has_table = true;
			}
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\": the Iceberg wrapper takes no options here",
							def->defname)));
	}
	if (catalog == ForeignTableRelationId && !has_table)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("an Iceberg foreign table needs the option table 'namespace.table'")));
	PG_RETURN_VOID();
}

static char *
option(List *options, const char *name)
{
	ListCell   *cell;

	foreach(cell, options)
	{
		DefElem    *def = (DefElem *) lfirst(cell);

		if (strcmp(def->defname, name) == 0)
			return defGetString(def);
	}
	return NULL;
}

/* Every vault_* option must name an existing Vault secret (its id, or its name). */
static void
check_vault_secrets(List *options)
{
	ListCell   *cell;
	bool		connected = false;

	foreach(cell, options)
	{
		DefElem    *def = (DefElem *) lfirst(cell);
		Oid			argtypes[1] = {TEXTOID};
		Datum		args[1];
		int			rc;

		if (strncmp(def->defname, "vault_", 6) != 0)
			continue;
		if (!connected)
		{
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "Cannot read Vault secrets: SPI_connect failed");
			connected = true;
		}
		args[0] = CStringGetTextDatum(defGetString(def));
		rc = SPI_execute_with_args(
			"select 1 from vault.decrypted_secrets "
			"where (id::text = $1 or name = $1) and decrypted_secret is not null",
			1, argtypes, args, NULL, true, 1);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "Cannot read Vault secrets: %s", SPI_result_code_string(rc));
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("Cannot read the Iceberg table: the Vault secret \"%s\" of option %s does not exist",
							defGetString(def), def->defname),
					 errhint("Create it with vault.create_secret() and use the id it returns.")));
	}
	if (connected)
		SPI_finish();
}

/* A shell word in single quotes. */
static void
append_quoted(StringInfo buf, const char *word)
{
	const char *p;

	appendStringInfoChar(buf, ' ');
	appendStringInfoChar(buf, '\'');
	for (p = word; *p; p++)
	{
		if (*p == '\'')
			appendStringInfoString(buf, "'\\''");
		else
			appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, '\'');
}

static int	scan_counter = 0;

static IcebergScanState *
scan_state(Relation rel, bool check_secrets)
{
	ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
	ForeignServer *server = GetForeignServer(table->serverid);
	IcebergScanState *state = palloc0(sizeof(IcebergScanState));
	char		share[MAXPGPATH];
	char	   *warehouse = option(server->options, "warehouse");
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData cmd;
	int			i;

	state->table = option(table->options, "table");
	if (state->table == NULL || !matches(state->table, true))
		ereport(ERROR, (errmsg("Cannot read %s: set the option table 'namespace.table'",
							   RelationGetRelationName(rel))));
	if (warehouse == NULL || !matches(warehouse, false))
		ereport(ERROR,
				(errmsg("Cannot read %s: the server %s has no valid warehouse option",
						RelationGetRelationName(rel), server->servername),
				 errhint("Set warehouse to the analytics bucket's name.")));
	if (check_secrets)
		check_vault_secrets(server->options);
	get_share_path(my_exec_path, share);
	/* Inside the cluster's own directory (mode 0700): no other OS user can plant a link. */
	state->errfile = psprintf("%s/pg_stat_tmp/wrappers_iceberg_%d_%d.err", DataDir, MyProcPid,
							  ++scan_counter);
	initStringInfo(&cmd);
	appendStringInfoString(&cmd, "exec");
	append_quoted(&cmd, psprintf("%s/extension/wrappers_iceberg_reader", share));
	append_quoted(&cmd, "scan");
	append_quoted(&cmd, warehouse);
	append_quoted(&cmd, state->table);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped)
			append_quoted(&cmd, NameStr(att->attname));
	}
	appendStringInfoString(&cmd, " 2>");
	append_quoted(&cmd, state->errfile);
	state->command = cmd.data;
	return state;
}

/* The reader's own message (what it printed on stderr), or NULL. */
static char *
reader_message(IcebergScanState *state)
{
	FILE	   *f = fopen(state->errfile, "r");
	char		buf[1024];
	size_t		n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return n > 0 ? pstrdup(buf) : NULL;
}

/* Runs `step`; a failure of the reader becomes an error carrying the reader's message. */
#define WITH_READER_MESSAGE(state, step) \
	do { \
		MemoryContext oldcxt = CurrentMemoryContext; \
		PG_TRY(); \
		{ \
			step; \
		} \
		PG_CATCH(); \
		{ \
			ErrorData  *edata; \
			char	   *why; \
			MemoryContextSwitchTo(oldcxt); \
			edata = CopyErrorData(); \
			why = reader_message(state); \
			if (why == NULL) \
				PG_RE_THROW(); \
			FlushErrorState(); \
			unlink((state)->errfile); \
			ereport(ERROR, \
					(errcode(ERRCODE_FDW_ERROR), \
					 errmsg("%s", why), \
					 errdetail("Reading Iceberg table %s: %s", (state)->table, edata->message))); \
		} \
		PG_END_TRY(); \
	} while (0)

static void
begin_copy(IcebergScanState *state, Relation rel)
{
	List	   *copy_options = list_make1(makeDefElem("format", (Node *) makeString("csv"), -1));

	state->cstate = BeginCopyFrom(NULL, rel, NULL, state->command, true, NULL, NIL,
								  copy_options);
}

static void
icebergGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	baserel->rows = 1000;
}

static void
icebergGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	Cost		startup = 100;
	Cost		total = startup + baserel->rows * cpu_tuple_cost * 10;

	/* PostgreSQL 17 added fdw_restrictinfo before fdw_private. */
#if PG_VERSION_NUM >= 170000
	add_path(baserel, (Path *) create_foreignscan_path(root, baserel, NULL, baserel->rows,
													   startup, total, NIL,
													   baserel->lateral_relids, NULL, NIL, NIL));
#else
	add_path(baserel, (Path *) create_foreignscan_path(root, baserel, NULL, baserel->rows,
													   startup, total, NIL,
													   baserel->lateral_relids, NULL, NIL));
#endif
}

static ForeignScan *
icebergGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
					  ForeignPath *best_path, List *tlist, List *scan_clauses, Plan *outer_plan)
{
	scan_clauses = extract_actual_clauses(scan_clauses, false);
	return make_foreignscan(tlist, scan_clauses, baserel->relid, NIL, best_path->fdw_private,
							NIL, NIL, outer_plan);
}

static void
icebergExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ForeignTable *table = GetForeignTable(RelationGetRelid(node->ss.ss_currentRelation));

	ExplainPropertyText("Iceberg Table", option(table->options, "table"), es);
}

static void
icebergBeginForeignScan(ForeignScanState *node, int eflags)
{
	IcebergScanState *state;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	state = scan_state(node->ss.ss_currentRelation, true);
	WITH_READER_MESSAGE(state, begin_copy(state, node->ss.ss_currentRelation));
	node->fdw_state = state;
}

static TupleTableSlot *
icebergIterateForeignScan(ForeignScanState *node)
{
	IcebergScanState *state = (IcebergScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	volatile bool found = false;

	ExecClearTuple(slot);
	WITH_READER_MESSAGE(state,
						found = NextCopyFrom(state->cstate, node->ss.ps.ps_ExprContext,
											 slot->tts_values, slot->tts_isnull));
	if (found)
		ExecStoreVirtualTuple(slot);
	return slot;
}

static void
end_copy(IcebergScanState *state)
{
	if (state->cstate != NULL)
	{
		CopyFromState cstate = state->cstate;

		state->cstate = NULL;
		EndCopyFrom(cstate);
	}
}

static void
icebergReScanForeignScan(ForeignScanState *node)
{
	IcebergScanState *state = (IcebergScanState *) node->fdw_state;

	WITH_READER_MESSAGE(state, end_copy(state));
	WITH_READER_MESSAGE(state, begin_copy(state, node->ss.ss_currentRelation));
}

static void
icebergEndForeignScan(ForeignScanState *node)
{
	IcebergScanState *state = (IcebergScanState *) node->fdw_state;

	if (state == NULL)
		return;
	WITH_READER_MESSAGE(state, end_copy(state));
	unlink(state->errfile);
}

Datum
iceberg_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = icebergGetForeignRelSize;
	routine->GetForeignPaths = icebergGetForeignPaths;
	routine->GetForeignPlan = icebergGetForeignPlan;
	routine->ExplainForeignScan = icebergExplainForeignScan;
	routine->BeginForeignScan = icebergBeginForeignScan;
	routine->IterateForeignScan = icebergIterateForeignScan;
	routine->ReScanForeignScan = icebergReScanForeignScan;
	routine->EndForeignScan = icebergEndForeignScan;
	PG_RETURN_POINTER(routine);
}

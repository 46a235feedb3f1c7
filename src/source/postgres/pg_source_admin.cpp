#include "source/postgres/pg_source_admin.h"

#include "source/postgres/replication_setup.h"
#include "source/postgres/schema_reader.h"
#include "source/postgres/source_server.h"

namespace pg2ch {

PgSourceAdmin::PgSourceAdmin(const PostgresEndpoint& endpoint, std::string publication,
                             std::string slot, bool failover_slot)
    : endpoint_(endpoint),
      publication_(std::move(publication)),
      slot_(std::move(slot)),
      failover_slot_(failover_slot),
      conn_(PgConnection::Connect(endpoint, false)) {}

void PgSourceAdmin::CheckLogicalReplication() {
  CheckWalLevel(*conn_);
  CheckStandbyCanDecode(*conn_);
  if (failover_slot_) CheckFailoverSlotPossible(*conn_);
}

std::vector<std::string> PgSourceAdmin::ServerNotices() {
  return SourceServerNotices(*conn_, failover_slot_);
}

SourceTable PgSourceAdmin::ReadTable(const std::string& schema, const std::string& name) {
  return ReadSourceTable(*conn_, schema, name);
}

bool PgSourceAdmin::EnsurePublication(const std::vector<SourceTable>& tables) {
  return pg2ch::EnsurePublication(*conn_, publication_, tables);
}

bool PgSourceAdmin::PublicationIncludes(const SourceTable& table) {
  return pg2ch::PublicationIncludes(*conn_, publication_, table);
}

void PgSourceAdmin::AddToPublication(const SourceTable& table) {
  AddTableToPublication(*conn_, publication_, table);
}

void PgSourceAdmin::RemoveFromPublication(const std::string& schema, const std::string& name) {
  // A keyless table may be in the insert-only publication instead (replication_setup.h).
  DropTableFromPublication(*conn_, publication_, schema, name);
  DropTableFromPublication(*conn_, InsertOnlyPublication(publication_), schema, name);
}

std::optional<SlotState> PgSourceAdmin::FindSlot() {
  std::optional<SlotInfo> slot = pg2ch::FindSlot(*conn_, slot_);
  if (!slot) return std::nullopt;
  return SlotState{slot->confirmed_flush, slot->wal_status == "lost"};
}

Lsn PgSourceAdmin::CreateSlot() {
  auto replication = PgConnection::Connect(endpoint_, true);
  return pg2ch::CreateSlot(*replication, slot_, failover_slot_);
}

void PgSourceAdmin::DropSlot() { DropSlotWhenReleased(*conn_, slot_); }

}  // namespace pg2ch

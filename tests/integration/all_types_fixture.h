// The table every end-to-end test replicates: one column of each supported type, generated
// deterministically by row number, with NULLs in every nullable column, text that needs
// escaping, a TOASTed wide column on some rows, and a comparison recipe per column.
#pragma once

#include <string>
#include <vector>

#include "pipe_test_support.h"

namespace pg2ch::test {

// Creates public.<table> and the SQL function gen_<table>(from, to) that yields its rows.
void CreateAllTypesTable(const PostgresEndpoint& pg, const std::string& table);
// INSERT INTO public.<table> rows with ids [from, to].
std::string InsertAllTypesSql(const std::string& table, int64_t from, int64_t to);
std::vector<CompareColumn> AllTypesColumns();

}  // namespace pg2ch::test

//! Prepared-statement helpers: each statement is parsed once per connection.

use cognate_store::StoreError;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::error::map_pg;

pub(crate) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

pub(crate) async fn execute<C: GenericClient>(
    c: &C,
    sql: &str,
    params: Params<'_>,
) -> Result<u64, StoreError> {
    let st = c.prepare_cached(sql).await.map_err(map_pg)?;
    c.execute(&st, params).await.map_err(map_pg)
}

pub(crate) async fn query<C: GenericClient>(
    c: &C,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<Row>, StoreError> {
    let st = c.prepare_cached(sql).await.map_err(map_pg)?;
    c.query(&st, params).await.map_err(map_pg)
}

pub(crate) async fn query_opt<C: GenericClient>(
    c: &C,
    sql: &str,
    params: Params<'_>,
) -> Result<Option<Row>, StoreError> {
    let st = c.prepare_cached(sql).await.map_err(map_pg)?;
    c.query_opt(&st, params).await.map_err(map_pg)
}

pub(crate) async fn query_one<C: GenericClient>(
    c: &C,
    sql: &str,
    params: Params<'_>,
) -> Result<Row, StoreError> {
    let st = c.prepare_cached(sql).await.map_err(map_pg)?;
    c.query_one(&st, params).await.map_err(map_pg)
}

//! Dynamic SQL with numbered `$n` placeholders, which both SQLite and
//! PostgreSQL accept (sqlx's QueryBuilder would emit `?` for `Any`).

use sqlx::any::AnyArguments;
use sqlx::{Any, AnyConnection, Arguments, Encode, Type};

use crate::error::CoreResult;

pub(crate) struct Sql<'a> {
    pub text: String,
    pub args: AnyArguments<'a>,
    n: usize,
}

impl<'a> Sql<'a> {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_string(),
            args: AnyArguments::default(),
            n: 0,
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder and binds `value` to it.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'a + Encode<'a, Any> + Type<Any>,
    {
        self.n += 1;
        self.text.push('$');
        self.text.push_str(&self.n.to_string());
        // Encoding into AnyArguments only fails for types Any cannot carry,
        // which the bounds above already exclude.
        let _ = self.args.add(value);
        self
    }

    /// Appends `$n, $n+1, ...`, one placeholder per value, bound in order.
    pub fn bind_list<T, I>(&mut self, values: I) -> &mut Self
    where
        I: IntoIterator<Item = T>,
        T: 'a + Encode<'a, Any> + Type<Any>,
    {
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self
    }

    /// Appends `($1, $2), ($3, $4)`: `values` row after row, `columns`
    /// to a row.
    pub fn rows<I: IntoIterator<Item = Param>>(&mut self, values: I, columns: usize) -> &mut Self {
        let columns = columns.max(1);
        let mut any = false;
        for (i, v) in values.into_iter().enumerate() {
            match i % columns {
                0 if i == 0 => self.push("("),
                0 => self.push("), ("),
                _ => self.push(", "),
            };
            self.bind_param(v);
            any = true;
        }
        if any {
            self.push(")");
        }
        self
    }

    fn bind_param(&mut self, p: Param) -> &mut Self {
        match p {
            Param::Text(t) => self.bind(t),
            Param::Int(i) => self.bind(i),
        }
    }
}

/// A value for `insert_rows` and `with_rows`.
pub(crate) enum Param {
    Text(Option<String>),
    Int(i64),
}

impl From<&str> for Param {
    fn from(v: &str) -> Param {
        Param::Text(Some(v.to_string()))
    }
}

impl From<&String> for Param {
    fn from(v: &String) -> Param {
        Param::Text(Some(v.clone()))
    }
}

impl From<&Option<String>> for Param {
    fn from(v: &Option<String>) -> Param {
        Param::Text(v.clone())
    }
}

impl From<i64> for Param {
    fn from(v: i64) -> Param {
        Param::Int(v)
    }
}

/// Parameters per statement, far below every engine's limit.
const MAX_PARAMS: usize = 2000;

/// Inserts rows of `columns` values each (`values` row after row) with
/// `head` ("INSERT INTO t (a, b)"), as many rows per statement as the
/// parameter limit allows: one round trip for a whole batch.
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    head: &str,
    columns: usize,
    values: Vec<Param>,
) -> CoreResult<()> {
    with_rows(conn, head, "", columns, values).await
}

/// Runs `head VALUES (...), (...) tail` over rows of `columns` values each,
/// as many rows per statement as the parameter limit allows.
pub(crate) async fn with_rows(
    conn: &mut AnyConnection,
    head: &str,
    tail: &str,
    columns: usize,
    values: Vec<Param>,
) -> CoreResult<()> {
    let columns = columns.max(1);
    let per_statement = (MAX_PARAMS / columns).max(1) * columns;
    let mut values = values.into_iter().peekable();
    while values.peek().is_some() {
        let mut q = Sql::new(head);
        q.push(" VALUES ");
        q.rows(values.by_ref().take(per_statement), columns);
        q.push(tail);
        sqlx::query_with(&q.text, q.args)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders() {
        let mut q = Sql::new("SELECT 1 WHERE a = ");
        q.bind(1i64).push(" AND b = ").bind("x".to_string());
        assert_eq!(q.text, "SELECT 1 WHERE a = $1 AND b = $2");
        q.push(" AND c IN (").bind_list(["y", "z"]).push(")");
        assert_eq!(q.text, "SELECT 1 WHERE a = $1 AND b = $2 AND c IN ($3, $4)");
    }
}

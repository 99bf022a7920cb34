//! Dynamic SQL with numbered `$n` placeholders, which both SQLite and
//! PostgreSQL accept (sqlx's QueryBuilder would emit `?` for `Any`).

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, Encode, Type};

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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders() {
        let mut q = Sql::new("SELECT 1 WHERE a = ");
        q.bind(1i64).push(" AND b = ").bind("x".to_string());
        assert_eq!(q.text, "SELECT 1 WHERE a = $1 AND b = $2");
    }
}

//! The tantivy index: BM25 retrieval of candidate products for a multi-word phrase.
//!
//! One document per active product: its id (indexed, fast) and every word key of its texts.
//! A query is one should-clause per phrase word, each the best (dis-max) of that word's exact
//! and fuzzy keys, boosted by closeness; tantivy returns the few hundred best by BM25, and
//! `rank` orders them properly. The commit payload records the catalog version and the
//! analyzer format, so an on-disk index is reused only when both match.

use super::types::MatchError;
use std::path::Path;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::index::SegmentReader;
use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{
    DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher, SegmentOrdinal,
    TantivyDocument, Term,
};

/// Bump when normalization or the schema changes: an index built by another format is stale.
const FORMAT: u32 = 2;
const WRITER_MEMORY: usize = 32 * 1024 * 1024;

/// The two fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub pid: Field,
    pub words: Field,
}

/// The index, its reader and its single writer.
pub(crate) struct SearchIndex {
    reader: IndexReader,
    writer: IndexWriter,
    fields: Fields,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let pid = builder.add_u64_field("pid", INDEXED | FAST);
    let indexing = TextFieldIndexing::default()
        .set_tokenizer("whitespace")
        .set_index_option(IndexRecordOption::WithFreqs);
    let words = builder.add_text_field(
        "words",
        TextOptions::default().set_indexing_options(indexing),
    );
    (builder.build(), Fields { pid, words })
}

fn payload(version: u64) -> String {
    format!("khaacho-match format {FORMAT} catalog {version}")
}

impl SearchIndex {
    /// Opens the index in `dir` (or in RAM). Returns it and whether it already holds the
    /// catalog at `version`; if not, the caller must [`SearchIndex::replace_all`].
    pub(crate) fn open(
        dir: Option<&Path>,
        version: u64,
    ) -> Result<(SearchIndex, bool), MatchError> {
        let (schema, fields) = schema();
        let index = match dir {
            None => Index::create_in_ram(schema),
            Some(dir) => open_dir(dir, schema)?,
        };
        let current = index.load_metas()?.payload.as_deref() == Some(payload(version).as_str());
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok((
            SearchIndex {
                reader,
                writer,
                fields,
            },
            current,
        ))
    }

    /// Replaces every document with `docs` (product id, index text) and commits.
    pub(crate) fn replace_all(
        &mut self,
        docs: impl Iterator<Item = (u64, String)>,
        version: u64,
    ) -> Result<(), MatchError> {
        self.writer.delete_all_documents()?;
        for (id, text) in docs {
            self.writer.add_document(self.doc(id, &text))?;
        }
        self.commit(version)
    }

    /// Replaces one product's document (`None` removes it) and commits.
    pub(crate) fn upsert(
        &mut self,
        id: u64,
        text: Option<String>,
        version: u64,
    ) -> Result<(), MatchError> {
        self.writer
            .delete_term(Term::from_field_u64(self.fields.pid, id));
        if let Some(text) = text {
            self.writer.add_document(self.doc(id, &text))?;
        }
        self.commit(version)
    }

    /// A point-in-time view of the last commit.
    pub(crate) fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    pub(crate) fn fields(&self) -> Fields {
        self.fields
    }

    fn doc(&self, id: u64, text: &str) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_u64(self.fields.pid, id);
        doc.add_text(self.fields.words, text);
        doc
    }

    fn commit(&mut self, version: u64) -> Result<(), MatchError> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&payload(version));
        prepared.commit()?;
        self.reader.reload()?;
        Ok(())
    }
}

/// Opens the index kept in `dir`, or creates it. A directory holding an index of another
/// schema is wiped; a non-empty directory holding no index is refused, so a wrong path
/// cannot cost anyone their files.
fn open_dir(dir: &Path, schema: Schema) -> Result<Index, MatchError> {
    let io = |e: std::io::Error| MatchError::Io {
        path: dir.display().to_string(),
        source: e,
    };
    if dir.join("meta.json").exists() {
        if let Ok(index) = Index::open_in_dir(dir)
            && index.schema() == schema
        {
            return Ok(index);
        }
        std::fs::remove_dir_all(dir).map_err(io)?;
    } else if dir.exists() && std::fs::read_dir(dir).map_err(io)?.next().is_some() {
        return Err(MatchError::Invalid(format!(
            "{} is not empty and holds no search index",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(io)?;
    Ok(Index::create_in_dir(dir, schema)?)
}

/// One phrase word's alternatives: (key, boost).
pub(crate) type WordClause = Vec<(String, f32)>;

/// The `limit` best products by BM25 for the given word clauses, as (product id, score),
/// best first, ties by id.
pub(crate) fn retrieve(
    searcher: &Searcher,
    fields: Fields,
    words: &[WordClause],
    limit: usize,
) -> Vec<(u64, f32)> {
    let clauses: Vec<(Occur, Box<dyn Query>)> = words
        .iter()
        .filter(|alts| !alts.is_empty())
        .map(|alts| (Occur::Should, word_query(fields.words, alts)))
        .collect();
    if clauses.is_empty() {
        return Vec::new();
    }
    let query = BooleanQuery::new(clauses);
    let collector = TopIds { limit };
    searcher.search(&query, &collector).unwrap_or_default()
}

fn word_query(field: Field, alts: &[(String, f32)]) -> Box<dyn Query> {
    let mut disjuncts: Vec<Box<dyn Query>> = alts
        .iter()
        .map(|(key, boost)| {
            let term = TermQuery::new(
                Term::from_field_text(field, key),
                IndexRecordOption::WithFreqs,
            );
            Box::new(BoostQuery::new(Box::new(term), *boost)) as Box<dyn Query>
        })
        .collect();
    if disjuncts.len() == 1
        && let Some(only) = disjuncts.pop()
    {
        return only;
    }
    Box::new(DisjunctionMaxQuery::new(disjuncts))
}

/// Collects (product id, score) of the best `limit` documents.
struct TopIds {
    limit: usize,
}

struct TopIdsSegment {
    ids: Option<Column<u64>>,
    hits: Vec<(u64, f32)>,
}

impl Collector for TopIds {
    type Fruit = Vec<(u64, f32)>;
    type Child = TopIdsSegment;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<TopIdsSegment> {
        Ok(TopIdsSegment {
            ids: reader.fast_fields().u64("pid").ok(),
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u64, f32)>>) -> tantivy::Result<Vec<(u64, f32)>> {
        let mut all: Vec<(u64, f32)> = fruits.into_iter().flatten().collect();
        let order = |a: &(u64, f32), b: &(u64, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if all.len() > self.limit && self.limit > 0 {
            all.select_nth_unstable_by(self.limit - 1, order);
            all.truncate(self.limit);
        }
        all.sort_unstable_by(order);
        all.truncate(self.limit);
        Ok(all)
    }
}

impl SegmentCollector for TopIdsSegment {
    type Fruit = Vec<(u64, f32)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(id) = self.ids.as_ref().and_then(|c| c.first(doc)) {
            self.hits.push((id, score));
        }
    }

    fn harvest(self) -> Vec<(u64, f32)> {
        self.hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(words: &[&str]) -> Vec<WordClause> {
        words.iter().map(|w| vec![(w.to_string(), 1.0)]).collect()
    }

    #[test]
    fn a_commit_is_searchable_before_it_returns() {
        let (mut index, current) = SearchIndex::open(None, 7).unwrap();
        assert!(!current);
        let docs = vec![
            (1, "tokla tea".to_string()),
            (2, "camal basmati".to_string()),
        ];
        index.replace_all(docs.into_iter(), 7).unwrap();
        let hits = retrieve(&index.searcher(), index.fields(), &clause(&["tea"]), 10);
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), vec![1]);
        index.upsert(1, None, 8).unwrap();
        assert!(retrieve(&index.searcher(), index.fields(), &clause(&["tea"]), 10).is_empty());
    }

    #[test]
    fn an_index_on_disk_is_reused_only_for_the_same_catalog_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        {
            let (mut index, current) = SearchIndex::open(Some(&path), 3).unwrap();
            assert!(!current);
            index
                .replace_all(vec![(1, "tel".to_string())].into_iter(), 3)
                .unwrap();
        }
        assert!(SearchIndex::open(Some(&path), 3).unwrap().1);
        assert!(!SearchIndex::open(Some(&path), 4).unwrap().1);
    }

    #[test]
    fn a_non_empty_directory_without_an_index_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("precious.txt"), "keep me").unwrap();
        assert!(SearchIndex::open(Some(dir.path()), 1).is_err());
        assert!(dir.path().join("precious.txt").exists());
    }
}

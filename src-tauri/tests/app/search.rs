//! Offline search of the briefcase, with the server stopped: by the start of a name, a word of
//! a note (diacritics folded), the area; filters on score, category and purchase date; matched
//! words marked for highlighting.

use leadmart_app::cache::{BriefcaseQuery, SearchHit};
use leadmart_app::my_leads;

use crate::support::{agent_with_andheri, start_server};

fn marked(runs: &[leadmart_app::cache::TextRun]) -> Vec<&str> {
    runs.iter()
        .filter(|run| run.hit)
        .map(|run| run.text.as_str())
        .collect()
}

fn ids(hits: &[SearchHit]) -> Vec<&str> {
    hits.iter().map(|hit| hit.lead_id.as_str()).collect()
}

#[tokio::test]
async fn the_briefcase_is_searched_offline_with_matches_marked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session, bought) = agent_with_andheri(dir.path(), &server).await;
    let lead_id = bought.lead.card.id.clone();
    my_leads::add_note(
        &session,
        &cache,
        &lead_id,
        "José wants possession before Diwali".to_owned(),
        chrono::Utc::now(),
    )
    .await
    .expect("note");
    my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("synced");
    server.stop().await;

    let search = |text: &str| {
        let query = BriefcaseQuery {
            text: text.to_owned(),
            ..Default::default()
        };
        let cache = cache.clone();
        async move { cache.search_purchased(&query).await.expect("search") }
    };

    let first_name = bought
        .contact
        .as_ref()
        .expect("contact")
        .name
        .split_whitespace()
        .next()
        .expect("a name")
        .to_owned();
    let prefix: String = first_name
        .chars()
        .take(3)
        .collect::<String>()
        .to_lowercase();
    let by_name = search(&prefix).await;
    assert_eq!(
        ids(&by_name),
        vec![lead_id.as_str()],
        "{prefix:?} finds the lead"
    );
    assert_eq!(marked(&by_name[0].name), vec![first_name.as_str()]);
    assert!(by_name[0].excerpt.is_none(), "the match was in the name");

    let by_note = search("jose diwal").await;
    assert_eq!(
        ids(&by_note),
        vec![lead_id.as_str()],
        "both words, accents folded"
    );
    let excerpt = by_note[0].excerpt.as_ref().expect("the note passage");
    assert_eq!(marked(excerpt), vec!["José", "Diwali"]);

    let by_area = search("andheri").await;
    assert_eq!(ids(&by_area), vec![lead_id.as_str()]);
    assert!(marked(&by_area[0].area).contains(&"Andheri"));

    assert!(
        search("andheri zzzz").await.is_empty(),
        "every word must match"
    );
    assert_eq!(
        search("").await.len(),
        1,
        "no words: every lead, by the filters"
    );

    let card = &bought.lead.card;
    let filtered = |query: BriefcaseQuery| {
        let cache = cache.clone();
        async move { cache.search_purchased(&query).await.expect("search") }
    };
    let at_its_score = filtered(BriefcaseQuery {
        text: "andheri".to_owned(),
        min_score: Some(card.score),
        category: Some(card.category.clone()),
        purchased_since: Some(bought.purchased_at),
    })
    .await;
    assert_eq!(
        ids(&at_its_score),
        vec![lead_id.as_str()],
        "filters it passes"
    );
    for (what, query) in [
        (
            "score",
            BriefcaseQuery {
                min_score: Some(card.score + 1),
                ..Default::default()
            },
        ),
        (
            "category",
            BriefcaseQuery {
                category: Some("not-a-category".to_owned()),
                ..Default::default()
            },
        ),
        (
            "purchase date",
            BriefcaseQuery {
                purchased_since: Some(bought.purchased_at + chrono::Duration::seconds(1)),
                ..Default::default()
            },
        ),
    ] {
        assert!(
            filtered(query).await.is_empty(),
            "the {what} filter holds it back"
        );
    }
}

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::Router;

use axum::routing::{get, post};

use crate::people::views::*;
use crate::prelude::*;

// ---------------------------------------------------------------- 人员

#[derive(Template)]
#[template(path = "people/people.html")]
struct PeoplePage {
    l: Layout,
    rows: Vec<PersonRow>,
    page: PageInfo,
    unit_name: Option<String>,
    qtypes: Vec<(u16, String)>,
    searched: bool,
}

async fn people(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let f = crate::people::views::people_filter(&app, scope.as_deref(), &p)?;
    let pager = p.pager(50)?;
    let (rows, page) = app.read(date, |ctx| {
        crate::people::views::people(ctx, scope.as_deref(), &f, pager)
    });
    let (unit_name, qtypes) = {
        let db = app.db();
        let st = db.state();
        (
            f.unit.map(|u| st.unit_name(u)),
            st.quota_types
                .iter()
                .map(|q| (q.id.0, q.name.clone()))
                .collect(),
        )
    };
    render(&PeoplePage {
        l: Layout::new(
            &app,
            &user,
            "people",
            "人员",
            Url::new(uri.path(), &p),
            Some(date),
        ),
        rows,
        page,
        unit_name,
        qtypes,
        searched: f.q.is_some() || f.unit.is_some() || f.qtype.is_some(),
    })
}

#[derive(Template)]
#[template(path = "people/person.html")]
struct PersonPage {
    l: Layout,
    p: PersonView,
    can_reveal: bool,
    /// The full 身份证号, after an explicit (audited) reveal.
    revealed: Option<String>,
}

async fn person(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<u32>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let v = app.read(date, |ctx| {
        crate::people::views::person_view(ctx, scope.as_deref(), id)
    })?;
    render(&PersonPage {
        l: Layout::new(
            &app,
            &user,
            "people",
            v.row.name.clone(),
            Url::new(uri.path(), &p),
            Some(date),
        ),
        p: v,
        can_reveal: user.can_reveal(),
        revealed: None,
    })
}

/// 显示完整身份证号: an explicit, audited action (编办经办, 编办领导).
async fn person_reveal(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<u32>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let app2 = app.clone();
    let u2 = user.clone();
    let r = blocking(move || app2.reveal_id_number(&u2, &ip, id)).await?;
    let date = app.today();
    let scope = app.scope(&user, date);
    let v = app.read(date, |ctx| {
        crate::people::views::person_view(ctx, scope.as_deref(), id)
    })?;
    render(&PersonPage {
        l: Layout::new(
            &app,
            &user,
            "people",
            v.row.name.clone(),
            Url::new(&format!("/people/{id}"), &Params::default()),
            Some(date),
        ),
        p: v,
        can_reveal: false,
        revealed: Some(r.id_number),
    })
    // The audited reveal: the one page that carries the full number.
    .map(crate::http::hardening::full_id_numbers)
}

/// The 人员 pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people", get(people))
        .route("/people/{id}", get(person))
        .route("/people/{id}/reveal", post(person_reveal))
}

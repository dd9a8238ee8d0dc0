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
/// The people a search finds, as xlsx (身份证号 masked as on the page; the
/// export is audited as a read of personal data).
async fn people_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    PageQuery(p): PageQuery,
) -> PageResult {
    use crate::http::table::{text, EXPORT_MAX};
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let f = crate::people::views::people_filter(&app, scope.as_deref(), &p)?;
    let all = Pager {
        page: 1,
        per_page: EXPORT_MAX,
    };
    let (rows, page) = app.read(date, |ctx| {
        crate::people::views::people(ctx, scope.as_deref(), &f, all)
    });
    let mut t = bianzhi_reports::Table::new(
        "人员名单",
        &[
            "姓名",
            "性别",
            "出生日期",
            "身份证号",
            "单位",
            "编制",
            "人员身份",
            "状态",
            "入编时间",
            "入编文号",
            "领导职务",
        ],
    );
    for r in &rows {
        t.rows.push(vec![
            text(&r.name),
            text(&r.sex),
            text(r.birth),
            text(&r.id_number),
            text(&r.unit),
            text(&r.account),
            text(&r.identity),
            text(&r.status),
            text(r.enrolled_on),
            text(&r.enrol_doc),
            text(r.posts.join("、")),
        ]);
    }
    app.audit(
        &user.login,
        &ip,
        "导出人员名单",
        "/people/xlsx",
        &format!(
            "{} 人（共 {} 人），统计时点 {date}，身份证号脱敏",
            rows.len(),
            page.total
        ),
    );
    Ok(crate::reports::service::xlsx_response(
        &t,
        &format!("people-{date}.xlsx"),
        &format!("人员名单_{date}.xlsx"),
    )?)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people", get(people))
        .route("/people/xlsx", get(people_xlsx))
        .route("/people/{id}", get(person))
        .route("/people/{id}/reveal", post(person_reveal))
}

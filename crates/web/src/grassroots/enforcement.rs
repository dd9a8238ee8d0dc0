//! 综合行政执法: the enforcement catalogue with each item's original
//! department and basis, the concentrations (相对集中) and the staff sent
//! down (下沉) to towns with their 编制 body, as of a date.

use askama::Template;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use bianzhi_grassroots::Staff;

use crate::grassroots::delegations::place_name;
use crate::ledger::unit_in_scope;
use crate::prelude::*;

/// A 下沉 as shown: body (id, name), town, date, headcount, and the persons
/// (id, name) the viewer may see.
type SecondmentRow = (u32, String, String, String, u32, Vec<(u32, String)>);

#[derive(Template)]
#[template(path = "grassroots/enforcement.html")]
struct EnforcementPage {
    l: Layout,
    /// Item, original department, domain, basis, held by (concentration).
    items: Vec<(String, String, &'static str, String, String)>,
    /// Document, body, from, to, items.
    concentrations: Vec<(String, String, String, String, usize)>,
    secondments: Vec<SecondmentRow>,
}

async fn enforcement(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    blocking(move || {
        if user.is_admin() {
            return Err(auth::no_business_data(&user));
        }
        let date = p.as_of(app.today())?;
        let (d, _) = app.grassroots()?;
        let e = &d.enforcement;
        let sees: Vec<bool> = e
            .secondments()
            .iter()
            .map(|s| user.can_review() || unit_in_scope(&app, &user, Some(s.body)))
            .collect();
        let db = app.db();
        let st = db.state();
        let mut items: Vec<_> = e
            .items()
            .filter_map(|x| {
                let item = d.catalogue.item_at(x.item, date)?;
                let held = e
                    .concentrated_at(x.item, date)
                    .map(|c| st.unit_name(c.body))
                    .unwrap_or_else(|| st.unit_name(x.original));
                Some((
                    format!("{} · {}", item.code, item.name),
                    st.unit_name(x.original),
                    x.domain.label(),
                    x.basis.clone(),
                    held,
                ))
            })
            .collect();
        items.sort();
        let concentrations = e
            .concentrations()
            .iter()
            .map(|c| {
                (
                    c.doc.to_string(),
                    st.unit_name(c.body),
                    c.effective.to_string(),
                    c.end
                        .as_ref()
                        .map(|w| w.date.to_string())
                        .unwrap_or_default(),
                    c.items.len(),
                )
            })
            .collect();
        let secondments = e
            .secondments()
            .iter()
            .zip(sees)
            .filter(|(s, _)| s.date <= date)
            .map(|(s, sees)| {
                let persons = match (&s.staff, sees) {
                    (Staff::Persons { persons }, true) => persons
                        .iter()
                        .filter_map(|id| st.person(*id).map(|x| (id.0, x.details.name.clone())))
                        .collect(),
                    _ => Vec::new(),
                };
                (
                    s.body.0,
                    st.unit_name(s.body),
                    place_name(&d, s.town),
                    s.date.to_string(),
                    s.staff.headcount(),
                    persons,
                )
            })
            .collect();
        drop(db);
        Ok(render(&EnforcementPage {
            l: Layout::new(
                &app,
                &user,
                "grassroots",
                "综合行政执法",
                Url::new("/grassroots/enforcement", &p),
                Some(date),
            ),
            items,
            concentrations,
            secondments,
        }))
    })
    .await?
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/grassroots/enforcement", get(enforcement))
}

use cognate_policy::{Decision, NamedPolicy, Policy, RequestContext, evaluate};

pub fn ctx(keys: &[(&str, &[&str])]) -> RequestContext {
    let mut ctx = RequestContext::new();
    for (key, values) in keys {
        for value in *values {
            ctx.insert(key, *value);
        }
    }
    ctx
}

pub fn named(json: &str) -> Vec<NamedPolicy> {
    vec![NamedPolicy {
        name: "P".to_owned(),
        policy: Policy::parse(json).unwrap_or_else(|e| panic!("{e}\n{json}")),
    }]
}

pub fn decide(json: &str, action: &str, resource: &str, keys: &[(&str, &[&str])]) -> Decision {
    evaluate(&named(json), action, resource, &ctx(keys)).decision
}

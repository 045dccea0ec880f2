// The forms of the qualification records (services/records/kinds.py and catalog_kinds.py): which
// fields each kind has and how each is entered. Kind and option labels come from the dictionaries;
// the national-catalog fields are chosen from the catalog (lib/catalogOptions.ts).

export type FieldType =
  | 'text' | 'textarea' | 'date' | 'role' | 'bool' | 'pdf' | 'int'
  /** one member of a dictionary enum (``options`` names it) */
  | 'enum'
  /** registration certificates of the national catalog: one (cert) or several (certs) */
  | 'cert' | 'certs'
  /** a single item (code20) under the enterprise's submitted certificates */
  | 'item'
  /** a product (code27) under the enterprise's submitted single items */
  | 'product'
  /** a unit of the units dictionary (GET /dictionaries/units) */
  | 'unit'

export interface FieldSpec {
  name: string
  label: string
  type: FieldType
  required?: boolean
  /** shown only when another field has this value */
  when?: { field: string; value: unknown }
  /** the dictionary enum of an ``enum`` field */
  options?: string
  /** a line under the field */
  hint?: string
}

export interface KindForm {
  kind: string
  purpose: string
  fields: FieldSpec[]
  /** certified roles that keep this kind (undefined: every enterprise) */
  roles?: string[]
}

const DISTRIBUTORS = ['distributor', 'manufacturer_distributor', 'agent_distributor', 'manufacturer_agent_distributor']

export const RECORD_FORMS: KindForm[] = [
  {
    kind: 'enterprise_info', purpose: 'enterprise_info',
    fields: [
      { name: 'org_type', label: '组织机构类型', type: 'role', required: true },
      { name: 'address', label: '企业地址', type: 'text', required: true },
      { name: 'business_licence_no', label: '营业执照编号', type: 'text', required: true },
      { name: 'business_licence_valid_until', label: '营业执照有效期至（空为长期）', type: 'date' },
      { name: 'business_licence_file_id', label: '营业执照（PDF）', type: 'pdf', required: true },
      { name: 'operation_licence_no', label: '生产/经营许可证编号', type: 'text' },
      { name: 'operation_licence_file_id', label: '生产/经营许可证（PDF）', type: 'pdf' },
      { name: 'contact_name', label: '联系人', type: 'text', required: true },
      { name: 'contact_phone', label: '联系电话', type: 'text', required: true },
    ],
  },
  {
    kind: 'self_distribution', purpose: 'self_distribution', roles: DISTRIBUTORS,
    fields: [
      { name: 'self_distributing', label: '是否自配送企业', type: 'bool', required: true },
      { name: 'proof_file_id', label: '自配送证明（PDF）', type: 'pdf', when: { field: 'self_distributing', value: true } },
    ],
  },
  {
    kind: 'commitment_letter', purpose: 'commitment_letter',
    fields: [
      { name: 'signed_on', label: '落款时间', type: 'date', required: true },
      { name: 'letter_file_id', label: '信用承诺书（PDF）', type: 'pdf', required: true },
    ],
  },
  // The consumable records (docs/catalog.md "The record kinds"), in the order they are kept:
  // entrustments link certificates, certificates hold items, items hold products.
  {
    kind: 'entrustment', purpose: 'entrustment',
    fields: [
      { name: 'type', label: '委托类型', type: 'enum', options: 'entrustment_type', required: true },
      { name: 'certificate_nos', label: '关联注册证', type: 'certs', required: true, hint: '输入注册备案号或产品名称的开头检索国家耗材目录，最多 50 个' },
      { name: 'valid_from', label: '有效期起', type: 'date', required: true },
      { name: 'valid_to', label: '有效期止', type: 'date', required: true },
      { name: 'authorization_letter_file_id', label: '授权书（PDF）', type: 'pdf', required: true, when: { field: 'type', value: 'agency' } },
      { name: 'agreement_file_id', label: '委托生产协议（PDF）', type: 'pdf', required: true, when: { field: 'type', value: 'entrusted_production' } },
      { name: 'production_licence_file_id', label: '受托方生产许可证（PDF）', type: 'pdf', required: true, when: { field: 'type', value: 'entrusted_production' } },
      { name: 'product_registration_file_id', label: '产品注册证（PDF）', type: 'pdf', required: true, when: { field: 'type', value: 'entrusted_production' } },
      { name: 'authorization_letter_en_file_id', label: '境外授权书原件（PDF）', type: 'pdf', required: true, when: { field: 'type', value: 'overseas_agent' } },
      { name: 'authorization_letter_zh_file_id', label: '境外授权书中文译本（PDF）', type: 'pdf', required: true, when: { field: 'type', value: 'overseas_agent' } },
    ],
  },
  {
    kind: 'registration_certificate', purpose: 'registration_certificate',
    fields: [
      { name: 'cert_no', label: '注册备案号', type: 'cert', required: true, hint: '从国家耗材目录选择；他人注册的产品须先提交委托授权' },
      { name: 'remarks', label: '备注', type: 'textarea' },
    ],
  },
  {
    kind: 'consumable_item', purpose: 'consumable_item',
    fields: [{ name: 'code20', label: '单件（20 位耗材代码）', type: 'item', required: true, hint: '只可选已提交注册证下的单件' }],
  },
  {
    kind: 'product', purpose: 'product',
    fields: [
      { name: 'code27', label: '规格型号（27 位耗材代码）', type: 'product', required: true, hint: '只可选已提交单件下的规格型号' },
      { name: 'min_usage_unit', label: '最小计量单位', type: 'unit', required: true },
      { name: 'min_package_unit', label: '最小包装单位', type: 'unit', required: true },
      { name: 'min_package_ratio', label: '最小包装转换比', type: 'int', required: true },
      { name: 'middle_package_unit', label: '中包装单位', type: 'unit' },
      { name: 'middle_package_ratio', label: '中包装转换比', type: 'int' },
    ],
  },
]

export function formsFor(certifiedRole: string | null | undefined): KindForm[] {
  return RECORD_FORMS.filter((f) => !f.roles || (certifiedRole != null && f.roles.includes(certifiedRole)))
}

/** The data to send: hidden fields dropped, empty optional values as null. */
export function dataOf(form: KindForm, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of form.fields) {
    if (f.when && values[f.when.field] !== f.when.value) continue
    const v = values[f.name]
    out[f.name] = v === '' || v === undefined ? null : v
    if (f.type === 'certs') out[f.name] = Array.isArray(v) ? v : []
  }
  return out
}

/** The status tabs of a record list (GET /records/{kind}?tab=). */
export const TABS = ['draft', 'pending', 'approved', 'rejected'] as const
export type Tab = (typeof TABS)[number]

/** What may be done to a record in a status (docs/review-chain.md). */
export function actionsFor(status: string): ('edit' | 'submit' | 'withdraw' | 'change')[] {
  if (status === 'draft' || status === 'rejected') return ['edit', 'submit']
  if (status === 'pending_first') return ['withdraw']
  if (status === 'approved') return ['change']
  return []
}

/** The labels of a form's fields, by field name (the change history shows these, not the names). */
export function fieldLabels(form: KindForm | undefined): Record<string, string> {
  return Object.fromEntries((form?.fields ?? []).map((f) => [f.name, f.label]))
}

/** One line per JSON Patch operation of a change (变更记录): the field's label, the operation, the new value. */
export function describePatch(diff: Record<string, unknown>[], labels: Record<string, string> = {}): { field: string; op: string; value: string }[] {
  return diff.map((d) => {
    const [head = '', ...rest] = String(d.path ?? '').replace(/^\//, '').split('/')
    return {
      field: [labels[head] ?? head, ...rest.map((s) => (/^\d+$/.test(s) ? `第 ${Number(s) + 1} 项` : labels[s] ?? s))].join(' · '),
      op: ({ add: '新增', remove: '删除', replace: '修改' } as Record<string, string>)[String(d.op)] ?? String(d.op),
      value: d.value === undefined ? '' : typeof d.value === 'string' ? d.value : JSON.stringify(d.value),
    }
  })
}
